package io.chatbridge.core.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Secret values are found in every form a server or serializer quotes them in, and belong to one bridge. */
class SecretsTest {

    private static final String HOOK = "https://oapi.dingtalk.com/robot/send?access_token=robottoken-7c1e55aa90b3";

    @AfterEach
    void clear() {
        Secrets.clear();
    }

    @Test
    void aSecretIsMaskedRawUrlEncodedAndJsonEscaped() {
        Secrets secrets = new Secrets().add(List.of("pa ss/wörd\"1234"));

        assertThat(secrets.mask("x pa ss/wörd\"1234 y")).isEqualTo("x ****** y");
        assertThat(secrets.mask("q=pa+ss%2Fw%C3%B6rd%221234&")).isEqualTo("q=******&");
        assertThat(secrets.mask("q=pa%20ss%2fw%c3%b6rd%221234")).isEqualTo("q=******");
        assertThat(secrets.mask("{\"v\":\"pa ss\\/w\\u00f6rd\\\"1234\"}")).isEqualTo("{\"v\":\"******\"}");
        assertThat(secrets.mask("{\"v\":\"pa ss/wörd\\\"1234\"}")).isEqualTo("{\"v\":\"******\"}");
    }

    @Test
    void aWebhookUrlIsMaskedInPartAndAMessageQuotingItsTokenIsCaught() {
        Secrets secrets = new Secrets().add(List.of(HOOK));

        assertThat(secrets.mask("errcode 300001 invalid token robottoken-7c1e55aa90b3"))
                .isEqualTo("errcode 300001 invalid token ******");
        assertThat(secrets.mask("path=/robot/send?access_token=robottoken-7c1e55aa90b3 done"))
                .isEqualTo("path=****** done");
        assertThat(secrets.appearsIn("my token is robottoken-7c1e55aa90b3, please")).isTrue();
        // the route name alone is not the secret
        assertThat(secrets.mask("POST /robot/send failed")).isEqualTo("POST /robot/send failed");
        assertThat(secrets.appearsIn("see https://oapi.dingtalk.com/robot/send")).isFalse();
    }

    @Test
    void theStartOfASecretWhereATextWasCutIsMasked() {
        Secrets secrets = new Secrets().add(List.of("https://hooks.example.com/in?key=egresskey-0a9b8c7d6e5f"));

        assertThat(secrets.mask("HTTP 400: no route for /in?key=egressk…")).isEqualTo("HTTP 400: no route for ******…");
        assertThat(secrets.mask("answered: key=egresskey-0a")).isEqualTo("answered: ******");
        assertThat(secrets.mask("sent over https")).isEqualTo("sent over https");
    }

    @Test
    void eachBridgeMasksItsOwnSecretsInLogLinesOnlyWhileLive() {
        Secrets first = new Secrets().add(List.of("first-bridge-secret")).live();
        Secrets second = new Secrets().add(List.of("second-bridge-secret"));

        assertThat(Secrets.redact("a first-bridge-secret b second-bridge-secret"))
                .isEqualTo("a ****** b second-bridge-secret");
        assertThat(second.appearsIn("first-bridge-secret")).isFalse();
        first.close();
        assertThat(Secrets.redact("first-bridge-secret")).isEqualTo("first-bridge-secret");
    }

    @Test
    void runtimeTokensAreMaskedAndOnlyTheLastFewKept() {
        Secrets secrets = new Secrets();
        for (int i = 0; i < 20; i++) {
            secrets.addRuntime("dt", "access-token-number-" + i);
        }

        assertThat(secrets.mask("token access-token-number-19")).isEqualTo("token ******");
        assertThat(secrets.mask("token access-token-number-0.")).isEqualTo("token access-token-number-0.");
    }

    @Test
    void aRuntimeSecretGivenAgainStaysMaskedHoweverManyShortLivedOnesFollow() {
        Secrets secrets = new Secrets();
        secrets.addRuntime("dt", "live-access-token-0001");
        for (int i = 0; i < 20; i++) {
            secrets.addRuntime("dt", "stream-ticket-number-" + i);
            // the access token is given again on every use
            secrets.addRuntime("dt", "live-access-token-0001");
        }

        assertThat(secrets.mask("token live-access-token-0001")).isEqualTo("token ******");
    }
}
