package io.chatbridge.dingtalk;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.testkit.TestDriverContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code api_rate_per_second}: one budget per app key, the lowest rate given, {@code 0} for no pacing. */
class DingTalkApiRateTest {

    private final DingTalkDriverFactory factory = new DingTalkDriverFactory();
    private final List<ConfigProblem> problems = new ArrayList<>();

    private DingTalkDriver driver(String id, String appKey, Object rate) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("app_key", appKey);
        settings.put("app_secret", "secret");
        settings.put("robot_code", "dingrobot");
        if (rate != null) {
            settings.put("api_rate_per_second", rate);
        }
        DriverConfig config = TestDriverContext.config("dingtalk", id, settings, problems, List.of(),
                new ArrayList<>());
        return (DingTalkDriver) factory.create(config);
    }

    @Test
    void instancesOfOneAppKeyShareOneBudgetAtTheLowestRateGiven() {
        DingTalkDriver first = driver("dt_a", "dingshared", 18);
        DingTalkDriver second = driver("dt_b", "dingshared", 12);
        DingTalkDriver other = driver("dt_c", "dingother", null);
        assertThat(first.openApiBudget()).isSameAs(second.openApiBudget());
        assertThat(first.openApiBudget().callsPerSecond()).isEqualTo(12);
        assertThat(other.openApiBudget().callsPerSecond()).isEqualTo(DingTalkDriverFactory.DEFAULT_API_RATE_PER_SECOND);
        assertThat(problems).isEmpty();
    }

    @Test
    void aRateOfZeroLeavesTheInstancesCallsUnpaced() {
        assertThat(driver("dt_a", "dingkey", 0).openApiBudget()).isNull();
        assertThat(problems).isEmpty();
    }

    @Test
    void aNegativeOrTooHighRateIsAnErrorNamingTheKey() {
        driver("dt_a", "dingkey", -1);
        driver("dt_b", "dingkey2", 5000);
        assertThat(problems).extracting(ConfigProblem::toString)
                .hasSize(2).allMatch(p -> p.contains("api_rate_per_second"));
    }
}
