package io.chatbridge.spi;

import io.chatbridge.spi.DeliveryException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * Fetches an attachment's bytes over HTTP(S) with a size limit, classifying failures: 403, 404 and 410 (a link that
 * expired or was removed) are permanent ({@code ATTACHMENT_UNAVAILABLE}), 408, 429, 5xx and network errors are
 * retryable, more than {@code maxBytes} is {@link AttachmentTooLargeException}. The default of
 * {@link Driver#openAttachment}; drivers may use it for their own fresh URLs.
 */
public final class AttachmentFetch {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    private AttachmentFetch() {
    }

    /**
     * GETs {@code url} (the calling thread blocks).
     *
     * @param name the attachment's name, for messages; the URL itself is never put in a message (it may be signed)
     */
    public static AttachmentContent get(String url, String name, long maxBytes) throws DeliveryException {
        String what = name == null || name.isBlank() ? "attachment" : name;
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw DeliveryException.permanent(Reason.ATTACHMENT_UNAVAILABLE, what + ": the URL is not valid");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equalsIgnoreCase("http")
                || uri.getScheme().equalsIgnoreCase("https"))) {
            throw DeliveryException.permanent(Reason.ATTACHMENT_UNAVAILABLE,
                    what + ": only http(s) URLs can be fetched");
        }
        HttpResponse<InputStream> response;
        try {
            response = CLIENT.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw DeliveryException.retryable(Reason.TIMEOUT, what + ": download timed out");
        } catch (IOException e) {
            throw DeliveryException.retryable(Reason.NETWORK,
                    what + ": download failed: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryException.retryable(Reason.INTERRUPTED, what + ": interrupted while downloading");
        }
        int status = response.statusCode();
        try (InputStream body = response.body()) {
            if (status == 403 || status == 404 || status == 410) {
                throw DeliveryException.permanent(Reason.ATTACHMENT_UNAVAILABLE,
                        what + ": download answered HTTP " + status + " (expired or removed)");
            }
            if (status == 408 || status == 429 || status >= 500) {
                Reason reason = status == 429 ? Reason.RATE_LIMITED
                        : status == 408 ? Reason.TIMEOUT : Reason.SERVER_ERROR;
                throw DeliveryException.retryable(reason,
                        what + ": download answered HTTP " + status);
            }
            if (status < 200 || status >= 300) {
                throw DeliveryException.permanent(Reason.ATTACHMENT_UNAVAILABLE,
                        what + ": download answered HTTP " + status);
            }
            long declared = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > maxBytes) {
                throw new AttachmentTooLargeException(name, declared, maxBytes);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
            byte[] buffer = new byte[8192];
            long total = 0;
            for (int n; (n = body.read(buffer)) >= 0; ) {
                total += n;
                if (total > maxBytes) {
                    throw new AttachmentTooLargeException(name, -1, maxBytes);
                }
                out.write(buffer, 0, n);
            }
            String mime = response.headers().firstValue("Content-Type").orElse(null);
            return AttachmentContent.of(out.toByteArray(), mime, url);
        } catch (IOException e) {
            throw DeliveryException.retryable(Reason.NETWORK,
                    what + ": download broke off: " + e.getClass().getSimpleName());
        }
    }
}
