package io.chatbridge.dingtalk.stream;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** A {@link StreamTimer} whose time moves only when the test says, so backoff waits are seen without sleeping. */
final class ManualTimer implements StreamTimer {

    record Task(Instant due, Duration delay, Runnable run, long order) {}

    private final List<Task> tasks = new ArrayList<>();
    private Instant now = Instant.parse("2026-12-01T09:00:00Z");
    private long order;

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public synchronized Scheduled schedule(Duration delay, Runnable task) {
        Task scheduled = new Task(now.plus(delay), delay, task, order++);
        tasks.add(scheduled);
        notifyAll();
        return () -> {
            synchronized (ManualTimer.this) {
                tasks.remove(scheduled);
            }
        };
    }

    /** Moves the clock without running anything (e.g. a connection that stayed up a minute). */
    synchronized void passTime(Duration duration) {
        now = now.plus(duration);
    }

    /** Tasks waiting to run, soonest first. */
    synchronized List<Task> pending() {
        List<Task> copy = new ArrayList<>(tasks);
        copy.sort(Comparator.comparing(Task::due).thenComparing(Task::order));
        return copy;
    }

    /** Waits (for other threads' callbacks) until a task is scheduled, and returns the soonest. */
    synchronized Task awaitTask(Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (tasks.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("nothing was scheduled within " + timeout);
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return pending().get(0);
    }

    /** Waits until a task matching {@code which} is scheduled, and returns it. */
    synchronized Task awaitTask(java.util.function.Predicate<Task> which, Duration timeout)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Task task : pending()) {
                if (which.test(task)) {
                    return task;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("no such task was scheduled within " + timeout);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** Runs {@code task} now (moving the clock to its time when that is later). */
    void run(Task task) {
        synchronized (this) {
            tasks.remove(task);
            if (task.due().isAfter(now)) {
                now = task.due();
            }
        }
        task.run().run();
    }

    /** Jumps to the soonest task's time and runs it (on the test's thread); returns it. */
    Task runNext(Duration timeout) throws InterruptedException, TimeoutException {
        Task next = awaitTask(timeout);
        synchronized (this) {
            tasks.remove(next);
            if (next.due().isAfter(now)) {
                now = next.due();
            }
        }
        next.run().run();
        return next;
    }
}
