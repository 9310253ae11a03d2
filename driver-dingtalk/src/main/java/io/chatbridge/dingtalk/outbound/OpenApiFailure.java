package io.chatbridge.dingtalk.outbound;

import com.aliyun.tea.TeaException;
import io.chatbridge.spi.DeliveryException;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A failed open API call, read from what the SDK threw and classified by DingTalk's error code (protocol §3):
 * throttling and 5xx/network errors are retryable, other 4xx errors permanent.
 *
 * @param code DingTalk's code (e.g. {@code Forbidden.AccessDenied.QpsLimitForApi}), or {@code NETWORK}
 * @param status the HTTP status, or -1 when there was no answer
 * @param message DingTalk's message (contains no credentials)
 */
public record OpenApiFailure(String code, int status, String message) {

    private static final Pattern STATUS_IN_MESSAGE = Pattern.compile("code: (\\d{3})");
    private static final Duration QPS_WAIT = Duration.ofSeconds(1);

    /** Reads a failure from an exception thrown by an SDK call. */
    public static OpenApiFailure of(Throwable e) {
        if (e instanceof TeaException tea) {
            String code = tea.getCode() == null || tea.getCode().isBlank() ? "UNKNOWN" : tea.getCode();
            return new OpenApiFailure(code, status(tea), tea.getMessage());
        }
        // the exception's own message says what went wrong on the wire (reset, closed, timed out)
        return new OpenApiFailure("NETWORK", -1, e.getMessage() == null || e.getMessage().isBlank()
                ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    /** Whether the token was rejected: drop it, fetch a new one and try once more. */
    public boolean invalidToken() {
        return "InvalidAuthentication".equals(code);
    }

    /** The classified exception; {@code where} says what was attempted. */
    public DeliveryException toDeliveryException(String where) {
        String text = where + ": " + code + (status > 0 ? " (HTTP " + status + ")" : "") + " " + message;
        if (code.startsWith("Forbidden.AccessDenied.QpsLimit")) {
            return DeliveryException.retryable("RATE_LIMITED", text, QPS_WAIT);
        }
        if (code.contains("AccessTokenPermissionDenied")) {
            return DeliveryException.permanent("PERMISSION_DENIED",
                    text + " (grant the app the robot message permission in the developer console)");
        }
        if ("invalidClientIdOrSecret".equals(code) || invalidToken()) {
            return DeliveryException.permanent("AUTH_FAILED", text);
        }
        if (status >= 400 && status < 500) {
            return DeliveryException.permanent(code, text);
        }
        return DeliveryException.retryable(status >= 500 ? "HTTP_" + status : code, text);
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
