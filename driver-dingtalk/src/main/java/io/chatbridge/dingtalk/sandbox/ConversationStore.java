package io.chatbridge.dingtalk.sandbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The messages of every sandbox conversation (groups by {@code openConversationId}, direct messages by user id), a
 * version that grows with every change so the page can skip unchanged polls, and waiting for a message to appear.
 * Each conversation keeps its latest {@value #MAX_MESSAGES_PER_CONVERSATION} messages, so a long-running sandbox
 * stays small.
 */
final class ConversationStore {

    static final int MAX_MESSAGES_PER_CONVERSATION = 500;

    private final Object lock = new Object();
    private final Map<String, List<SandboxMessage>> groups = new LinkedHashMap<>();
    private final Map<String, List<SandboxMessage>> directs = new TreeMap<>();
    private long version;

    ConversationStore(Collection<String> groupIds) {
        groupIds.forEach(id -> groups.put(id, new ArrayList<>()));
    }

    void addToGroup(String openConversationId, SandboxMessage message) {
        synchronized (lock) {
            append(groups.get(openConversationId), message);
        }
    }

    void addDirect(String userId, SandboxMessage message) {
        synchronized (lock) {
            append(directs.computeIfAbsent(userId, id -> new ArrayList<>()), message);
        }
    }

    /**
     * Shows the robot's messages with these ids as recalled ({@code groupMessages/recall}, or in direct chats
     * {@code otoMessages/batchRecall} when {@code openConversationId} is {@code null}); returns the ids found.
     */
    java.util.Set<String> recall(String openConversationId, Collection<String> ids) {
        java.util.Set<String> found = new java.util.LinkedHashSet<>();
        synchronized (lock) {
            List<List<SandboxMessage>> lists = openConversationId != null
                    ? List.of(groups.getOrDefault(openConversationId, new ArrayList<>()))
                    : new ArrayList<>(directs.values());
            for (List<SandboxMessage> messages : lists) {
                for (int i = 0; i < messages.size(); i++) {
                    SandboxMessage m = messages.get(i);
                    if (ids.contains(m.id()) && SandboxMessage.VIA_OPENAPI.equals(m.via())) {
                        messages.set(i, new SandboxMessage(m.id(), m.time(), m.via(), m.sender(),
                                MessageContent.recalled(), m.delivery()));
                        found.add(m.id());
                    }
                }
            }
            if (!found.isEmpty()) {
                changed();
            }
        }
        return found;
    }

    /** Replaces the group message with the same id (e.g. once its delivery finished). */
    void replaceInGroup(String openConversationId, SandboxMessage message) {
        synchronized (lock) {
            List<SandboxMessage> messages = groups.get(openConversationId);
            for (int i = 0; i < messages.size(); i++) {
                if (messages.get(i).id().equals(message.id())) {
                    messages.set(i, message);
                    changed();
                    return;
                }
            }
        }
    }

    /** Replaces the direct message to or from {@code userId} with the same id (e.g. once its delivery finished). */
    void replaceDirect(String userId, SandboxMessage message) {
        synchronized (lock) {
            List<SandboxMessage> messages = directs.getOrDefault(userId, List.of());
            for (int i = 0; i < messages.size(); i++) {
                if (messages.get(i).id().equals(message.id())) {
                    messages.set(i, message);
                    changed();
                    return;
                }
            }
        }
    }

    List<SandboxMessage> group(String openConversationId) {
        synchronized (lock) {
            List<SandboxMessage> messages = groups.get(openConversationId);
            if (messages == null) {
                throw new IllegalArgumentException("no sandbox group " + openConversationId);
            }
            return List.copyOf(messages);
        }
    }

    List<SandboxMessage> direct(String userId) {
        synchronized (lock) {
            return List.copyOf(directs.getOrDefault(userId, List.of()));
        }
    }

    /** A consistent copy of everything: version, groups and direct conversations. */
    Snapshot snapshot() {
        synchronized (lock) {
            Map<String, List<SandboxMessage>> groupCopy = new LinkedHashMap<>();
            groups.forEach((id, messages) -> groupCopy.put(id, List.copyOf(messages)));
            Map<String, List<SandboxMessage>> directCopy = new LinkedHashMap<>();
            directs.forEach((id, messages) -> directCopy.put(id, List.copyOf(messages)));
            return new Snapshot(version, groupCopy, directCopy);
        }
    }

    long version() {
        synchronized (lock) {
            return version;
        }
    }

    /** Waits until a message of {@code conversation} (a group or direct conversation) matches {@code predicate}. */
    SandboxMessage await(String conversation, boolean group, Predicate<SandboxMessage> predicate, Duration timeout)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                List<SandboxMessage> messages = group ? group(conversation) : direct(conversation);
                for (SandboxMessage message : messages) {
                    if (predicate.test(message)) {
                        return message;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no matching message in " + (group ? "group " : "direct messages of ")
                            + conversation + " within " + timeout + "; seen: " + messages);
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private void append(List<SandboxMessage> messages, SandboxMessage message) {
        messages.add(message);
        if (messages.size() > MAX_MESSAGES_PER_CONVERSATION) {
            messages.remove(0);
        }
        changed();
    }

    private void changed() {
        version++;
        lock.notifyAll();
    }

    record Snapshot(long version, Map<String, List<SandboxMessage>> groups,
            Map<String, List<SandboxMessage>> directs) {}
}
