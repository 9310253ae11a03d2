package com.example.chatbridge.file;

import io.chatbridge.spi.BridgeUnavailableException;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.DeliveryException.Reason;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverContext;
import io.chatbridge.spi.HttpRequest;
import io.chatbridge.spi.HttpResponse;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.SendResult;
import io.chatbridge.spi.Sender;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** One configured file instance. */
final class FileDriver implements Driver {

    private final Path file;
    private final int port;
    private final String listenPath;
    private DriverContext context;
    private long lines;

    FileDriver(Path file, int port, String listenPath) {
        this.file = file;
        this.port = port;
        this.listenPath = listenPath;
    }

    @Override
    public void start(DriverContext context) throws IOException {
        this.context = context;
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (port >= 0) {
            // routes are registered during start; the bridge opens the port after every driver started
            // asynchronous: the server thread is free while the bridge records the message; the answer follows
            context.http(port).postAsync(listenPath, this::receive);
        }
    }

    private CompletionStage<HttpResponse> receive(HttpRequest request) {
        String text = request.bodyText().strip();
        if (text.isEmpty()) {
            return CompletableFuture.completedFuture(HttpResponse.error(400, "empty body: POST the message text"));
        }
        String topic = request.queryParam("topic");
        InboundMessage message = InboundMessage.builder()
                .channel("topic", topic == null ? "default" : topic)
                .sender(Sender.of(request.header("x-user"), request.header("x-user")))
                .text(text)
                .time(context.clock().instant())
                .build();
        // 202 only once the bridge has recorded the message; 503 when it could not, so the caller sends it again
        return context.publishAsync(message).handle((result, failure) -> {
            if (failure == null) {
                return HttpResponse.json(202, "{\"status\":\"accepted\"}");
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            return cause instanceof BridgeUnavailableException
                    ? HttpResponse.error(503, "try again later")
                    : HttpResponse.error(500, "internal error");
        });
    }

    @Override
    public synchronized SendResult send(OutboundMessage message) throws DeliveryException {
        String line = "{\"rule\":" + quote(message.ruleId()) + ",\"channel\":" + quote(String.valueOf(message.channel()))
                + ",\"text\":" + quote(message.renderedText()) + "}\n";
        try {
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // a full disk may clear up: let the bridge retry with backoff
            throw DeliveryException.retryable(Reason.INTERNAL, "cannot append to " + file.getFileName() + ": " + e.getMessage());
        }
        lines++;
        return new SendResult(file.getFileName() + ":" + lines);
    }

    @Override
    public void stop() {
        // nothing to release: files are opened per write
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }

}
