package io.chatbridge.core.logging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * {@code --log-format json}: one JSON object per line for log pipelines, with {@code time}, {@code level},
 * {@code logger}, {@code thread}, the {@code instance}, {@code rule} and {@code delivery} of the event when the
 * bridge set them (MDC), {@code message} and, for a failure, {@code error}. Secrets are masked as in the readable
 * format.
 */
public class JsonLogEncoder extends EncoderBase<ILoggingEvent> {

    /** The MDC keys copied into each line, as set by the bridge around deliveries and ingress. */
    public static final String[] CONTEXT_KEYS = {"instance", "rule", "delivery"};

    private static final byte[] NO_BYTES = new byte[0];
    private static final JsonFactory JSON = new JsonFactory();

    private final ThrowableProxyConverter throwables = new ThrowableProxyConverter();

    @Override
    public void start() {
        throwables.setContext(getContext());
        throwables.start();
        super.start();
    }

    @Override
    public void stop() {
        throwables.stop();
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return NO_BYTES;
    }

    @Override
    public byte[] footerBytes() {
        return NO_BYTES;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            json.writeStringField("level", event.getLevel().toString());
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("thread", event.getThreadName());
            Map<String, String> mdc = event.getMDCPropertyMap();
            for (String key : CONTEXT_KEYS) {
                String value = mdc == null ? null : mdc.get(key);
                if (value != null) {
                    json.writeStringField(key, value);
                }
            }
            json.writeStringField("message", Secrets.redact(event.getFormattedMessage()));
            if (event.getThrowableProxy() != null) {
                json.writeStringField("error", Secrets.redact(throwables.convert(event)).strip());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.append('\n');
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }
}
