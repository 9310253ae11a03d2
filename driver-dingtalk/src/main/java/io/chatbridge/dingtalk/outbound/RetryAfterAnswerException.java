package io.chatbridge.dingtalk.outbound;

import com.aliyun.tea.TeaException;
import java.time.Duration;

/**
 * An error answer (the SDK's {@link TeaException}, kept as the cause) that carried a {@code Retry-After} header,
 * which the SDK drops; {@link RobotApi} adds it so that {@link OpenApiFailure} can honour it.
 */
final class RetryAfterAnswerException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Duration retryAfter;

    RetryAfterAnswerException(TeaException answer, Duration retryAfter) {
        super(answer.getMessage(), answer);
        this.retryAfter = retryAfter;
    }

    @Override
    public synchronized TeaException getCause() {
        return (TeaException) super.getCause();
    }

    Duration retryAfter() {
        return retryAfter;
    }
}
