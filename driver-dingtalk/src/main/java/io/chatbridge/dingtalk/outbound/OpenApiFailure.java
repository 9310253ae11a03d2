package io.chatbridge.dingtalk.outbound;

import com.aliyun.tea.TeaException;
import com.aliyun.teautil.models.TeaUtilException;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.DeliveryException.Reason;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * A failed open API call, read from what the SDK threw and classified by DingTalk's error code (protocol §3):
 * throttling (HTTP 429 and DingTalk's QPS codes, honouring {@code Retry-After}) and 5xx/network errors are
 * retryable, other 4xx errors permanent. An answer that is not JSON is classified by its status: 5xx retryable,
 * anything else permanent (a 200 DingTalk may have acted on is not sent again) — except for a call that is safe to
 * repeat, a token fetch, where a garbled 200 is retried.
 *
 * @param code DingTalk's code (e.g. {@code Forbidden.AccessDenied.QpsLimitForApi}), {@link #NETWORK},
 *     {@link #UNEXPECTED_ANSWER} or {@link #UNEXPECTED_ERROR}
 * @param status the HTTP status, or -1 when there was no answer or it is unknown
 * @param message what went wrong: one line of at most {@link #MAX_QUOTE} characters, credentials masked
 * @param retryAfter the answer's {@code Retry-After}, or {@code null}
 */
public record OpenApiFailure(String code, int status, String message, Duration retryAfter) {

    public OpenApiFailure(String code, int status, String message) {
        this(code, status, message, null);
    }

    /** No answer: the connection failed, was reset or timed out. */
    public static final String NETWORK = "NETWORK";
    /** An answer that is not JSON (an HTML error page from a proxy, a garbled body). */
    public static final String UNEXPECTED_ANSWER = "UNEXPECTED_ANSWER";
    /** The SDK failed in a way that is neither an answer nor a network error. */
    public static final String UNEXPECTED_ERROR = "UNEXPECTED_ERROR";
    /** How much of an answer or exception text is quoted in logs and delivery errors. */
    static final int MAX_QUOTE = 200;

    private static final Pattern STATUS_IN_MESSAGE = Pattern.compile("code: (\\d{3})");
    /** What the SDK puts before the body it could not read. */
    private static final String SDK_QUOTE = "response is:";
    /** Credential-looking values a quoted answer might echo (a proxy's error page repeating the request). */
    private static final Pattern CREDENTIAL = Pattern.compile(
            "(?i)\\b(access[-_]?token|app[-_]?secret|client[-_]?secret|secret|sign)(\"?\\s*[:=]\\s*\"?)[^\\s\"'&,;<}]+");
    private static final Duration QPS_WAIT = Duration.ofSeconds(1);

    /** Reads a failure from an exception thrown by an SDK call. */
    public static OpenApiFailure of(Throwable e) {
        return of(e, null);
    }

    /**
     * Reads a failure from an exception thrown by an SDK call to {@code host} (named in network errors, may be
     * {@code null}).
     */
    public static OpenApiFailure of(Throwable e, String host) {
        if (e instanceof RetryAfterAnswerException answer) {
            OpenApiFailure failure = of(answer.getCause(), host);
            return new OpenApiFailure(failure.code(), failure.status(), failure.message(), answer.retryAfter());
        }
        if (e instanceof UnreadableAnswerException unreadable) {
            return new OpenApiFailure(UNEXPECTED_ANSWER, unreadable.status(), unreadable(e.getMessage()),
                    unreadable.retryAfter());
        }
        IOException io = ioCause(e);
        if (e instanceof TeaException tea && (io == null || hasText(tea.getCode()) || status(tea) > 0)) {
            String code = hasText(tea.getCode()) ? tea.getCode() : "UNKNOWN";
            return new OpenApiFailure(code, status(tea), quote(tea.getMessage()));
        }
        if (io != null) {
            // what went wrong on the wire, in words (the SDK's TeaUnretryableException wrapper says nothing useful)
            return new OpenApiFailure(NETWORK, -1, "network error " + (host == null ? "" : "reaching " + host)
                    + ": " + networkReason(e));
        }
        if (e instanceof TeaUtilException) {
            // the status is unknown (RobotApi normally adds it): treat it as a bad answer, not as a lost one
            return new OpenApiFailure(UNEXPECTED_ANSWER, -1, unreadable(e.getMessage()));
        }
        return new OpenApiFailure(UNEXPECTED_ERROR, -1, describe(e));
    }

    /** Whether the token was rejected: drop it, fetch a new one and try once more. */
    public boolean invalidToken() {
        return "InvalidAuthentication".equals(code);
    }

    /** The classified exception; {@code where} says what was attempted (a call that may have had an effect). */
    public DeliveryException toDeliveryException(String where) {
        return toDeliveryException(where, false);
    }

    /**
     * The classified exception.
     *
     * @param where what was attempted
     * @param safeToRepeat whether the call has no effect DingTalk could have carried out (a token fetch): then an
     *     answer that cannot be read is retried rather than dead-lettered
     */
    public DeliveryException toDeliveryException(String where, boolean safeToRepeat) {
        String text = NETWORK.equals(code) ? where + ": " + message
                : where + ": " + code + (status > 0 ? " (HTTP " + status + ")" : "") + " " + message;
        if (status == 429) {
            return DeliveryException.retryable(Reason.RATE_LIMITED, text, retryAfter).withPlatformCode("HTTP_429");
        }
        if (code.startsWith("Forbidden.AccessDenied.QpsLimit")) {
            return DeliveryException.retryable(Reason.RATE_LIMITED, text,
                    retryAfter != null && retryAfter.compareTo(QPS_WAIT) > 0 ? retryAfter : QPS_WAIT)
                    .withPlatformCode(code);
        }
        if (code.contains("AccessTokenPermissionDenied")) {
            return DeliveryException.permanent(Reason.PERMISSION_DENIED,
                    text + " (grant the app the robot message permission in the developer console)")
                    .withPlatformCode(code);
        }
        if ("invalidClientIdOrSecret".equals(code) || invalidToken()) {
            return DeliveryException.permanent(Reason.AUTH_FAILED, text).withPlatformCode(code);
        }
        if (status >= 400 && status < 500) {
            if (UNEXPECTED_ANSWER.equals(code) || UNEXPECTED_ERROR.equals(code)) {
                return DeliveryException.permanent(UNEXPECTED_ANSWER.equals(code) ? Reason.UNEXPECTED_ANSWER
                        : Reason.INTERNAL, text);
            }
            Reason reason = code.toLowerCase(java.util.Locale.ROOT).contains("openconversationid")
                    ? Reason.UNKNOWN_TARGET : Reason.BAD_REQUEST;
            return DeliveryException.permanent(reason, text).withPlatformCode(code);
        }
        if (status >= 500) {
            return DeliveryException.retryable(Reason.SERVER_ERROR, text, retryAfter)
                    .withPlatformCode("HTTP_" + status);
        }
        if (safeToRepeat && (UNEXPECTED_ERROR.equals(code)
                || UNEXPECTED_ANSWER.equals(code) && (status < 0 || status >= 200 && status < 300))) {
            return DeliveryException.retryable(UNEXPECTED_ANSWER.equals(code) ? Reason.UNEXPECTED_ANSWER
                    : Reason.INTERNAL, text + " (retried: nothing was sent yet)");
        }
        if (UNEXPECTED_ANSWER.equals(code) || UNEXPECTED_ERROR.equals(code)) {
            return DeliveryException.permanent(UNEXPECTED_ANSWER.equals(code) ? Reason.UNEXPECTED_ANSWER
                    : Reason.INTERNAL, text + (status >= 200 && status < 300
                    ? " (not sent again: DingTalk may have acted on it)" : ""));
        }
        if (NETWORK.equals(code)) {
            return DeliveryException.retryable(Reason.NETWORK, text);
        }
        return DeliveryException.retryable(Reason.OTHER, text).withPlatformCode(code);
    }

    /** One line of {@code text}: the first non-blank one, credentials masked, at most {@link #MAX_QUOTE} chars. */
    static String quote(String text) {
        if (text == null) {
            return "";
        }
        String line = text.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
        line = CREDENTIAL.matcher(line).replaceAll("$1$2***");
        return line.length() <= MAX_QUOTE ? line : line.substring(0, MAX_QUOTE - 1) + "…";
    }

    /** The SDK's "convert to JSON, response is:\n<body>", reduced to the body's first line. */
    private static String unreadable(String sdkMessage) {
        String text = sdkMessage == null ? "" : sdkMessage;
        int at = text.indexOf(SDK_QUOTE);
        if (at < 0 && text.startsWith("answer ")) {
            return quote(text); // our own words (RobotApi), not the SDK's
        }
        String body = quote(at < 0 ? text : text.substring(at + SDK_QUOTE.length()));
        return "answer is not JSON: " + (body.isEmpty() ? "(empty)" : body);
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank()
                ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + quote(e.getMessage());
    }

    /** "connection refused", "unknown host", "connect timed out", … for the I/O failure in {@code e}'s causes. */
    static String networkReason(Throwable e) {
        String known = knownNetworkReason(e);
        if (known != null) {
            return known;
        }
        String innermost = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException && t.getMessage() != null && !t.getMessage().isBlank()) {
                innermost = quote(t.getMessage());
            }
        }
        if (innermost == null) {
            IOException io = ioCause(e);
            return io == null ? e.getClass().getSimpleName() : io.getClass().getSimpleName();
        }
        // "Connection reset" reads as part of the sentence; "HTTP/1.1 header parser received no bytes" keeps its case
        return innermost.length() > 1 && Character.isLowerCase(innermost.charAt(1))
                ? Character.toLowerCase(innermost.charAt(0)) + innermost.substring(1) : innermost;
    }

    /**
     * The failure in fixed words when it is one of the usual ones (refused, unknown host, timed out, TLS), else
     * {@code null}; never quotes the exception's own text, which may name a URL.
     */
    static String knownNetworkReason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "unknown host";
            }
            if (t instanceof ConnectException connect) {
                // the JDK client's ConnectException for a refused port carries no message at all
                String text = connect.getMessage() == null ? "" : connect.getMessage().toLowerCase(Locale.ROOT);
                if (text.contains("refused") || text.isBlank()) {
                    return "connection refused";
                }
            }
            if (t instanceof SocketTimeoutException || t instanceof HttpTimeoutException) {
                String text = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
                return t instanceof HttpConnectTimeoutException || text.contains("connect") ? "connect timed out"
                        : "no answer in time (read timed out)";
            }
            if (t instanceof SSLException) {
                return "TLS handshake failed";
            }
            if (t instanceof IOException && String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT)
                    .contains("connection reset")) {
                return "connection reset";
            }
        }
        return null;
    }

    private static IOException ioCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException io) {
                return io;
            }
        }
        return null;
    }

    private static boolean hasText(String s) {
        return s != null && !s.isBlank();
    }

    private static int status(TeaException tea) {
        if (tea.getStatusCode() != null) {
            return tea.getStatusCode();
        }
        Map<String, Object> data = tea.getData();
        Object fromData = data == null ? null : data.get("statusCode");
        if (fromData instanceof Number n) {
            return n.intValue();
        }
        if (fromData != null && String.valueOf(fromData).matches("\\d{3}")) {
            return Integer.parseInt(String.valueOf(fromData));
        }
        Matcher m = STATUS_IN_MESSAGE.matcher(String.valueOf(tea.getMessage()));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }
}
