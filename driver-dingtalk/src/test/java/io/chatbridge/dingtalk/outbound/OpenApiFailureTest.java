package io.chatbridge.dingtalk.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.aliyun.teautil.models.TeaUtilException;
import io.chatbridge.spi.DeliveryException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** What the SDK throws besides answers with a DingTalk error code; the answers themselves are in AppRobotSendTest. */
class OpenApiFailureTest {

    @Test
    void nonJsonAnswerWithUnknownStatusIsPermanentAndQuotedOnOneLine() {
        OpenApiFailure failure = OpenApiFailure.of(
                new TeaUtilException("Error: convert to JSON, response is:\n<html>\n<body>oops</body>\n</html>"));

        DeliveryException e = failure.toDeliveryException("group send");
        assertThat(e.retryable()).isFalse();
        assertThat(e.code()).isEqualTo("UNEXPECTED_ANSWER");
        assertThat(e.getMessage()).isEqualTo("group send: UNEXPECTED_ANSWER answer is not JSON: <html>");
    }

    @Test
    void emptyNonJsonAnswerSaysSo() {
        OpenApiFailure failure = OpenApiFailure.of(
                new UnreadableAnswerException(400, "Error: convert to JSON, response is:\n"));

        assertThat(failure.message()).isEqualTo("answer is not JSON: (empty)");
        assertThat(failure.status()).isEqualTo(400);
    }

    @Test
    void failureWithIoExceptionInItsCauseChainIsNetworkAndRetryable() {
        OpenApiFailure failure = OpenApiFailure.of(new RuntimeException("wrapped",
                new IllegalStateException("inner", new ConnectException("Connection refused"))));

        assertThat(failure.code()).isEqualTo("NETWORK");
        assertThat(failure.toDeliveryException("send").retryable()).isTrue();
    }

    @Test
    void failureWithoutAnswerOrIoExceptionIsPermanent() {
        OpenApiFailure failure = OpenApiFailure.of(new NullPointerException("body was null"));

        DeliveryException e = failure.toDeliveryException("send");
        assertThat(e.retryable()).isFalse();
        assertThat(failure.code()).isEqualTo("UNEXPECTED_ERROR");
        assertThat(e.reason()).isEqualTo(DeliveryException.Reason.INTERNAL);
        assertThat(e.getMessage()).contains("NullPointerException: body was null");
    }

    @Test
    void quoteKeepsTheFirstNonBlankLineUpToTwoHundredCharacters() {
        assertThat(OpenApiFailure.quote("\n  \n first \nsecond")).isEqualTo("first");
        String quoted = OpenApiFailure.quote("y".repeat(500));
        assertThat(quoted).hasSize(OpenApiFailure.MAX_QUOTE).endsWith("…");
        assertThat(OpenApiFailure.quote("{\"accessToken\":\"abc123\",\"sign\":\"s1\"} design=ok"))
                .isEqualTo("{\"accessToken\":\"***\",\"sign\":\"***\"} design=ok");
    }
}
