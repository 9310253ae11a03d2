package io.chatbridge.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.chatbridge.spi.ChannelUse;
import io.chatbridge.spi.ConfigProblem;
import io.chatbridge.spi.DeliveryException;
import io.chatbridge.spi.Driver;
import io.chatbridge.spi.DriverConfig;
import io.chatbridge.spi.DriverFactory;
import io.chatbridge.spi.InboundMessage;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.PortClaim;
import io.chatbridge.spi.SendResult;
import io.chatbridge.spi.Sender;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every driver keeps, as an abstract JUnit 5 test. A driver's test module extends it, answers the
 * abstract methods (a factory, good and bad settings, a message to send, and optionally how to make the driver
 * receive something), and inherits the tests.
 *
 * <pre>{@code
 * class ConsoleDriverContractTest extends DriverContractTest {
 *     protected DriverFactory factory() { return new ConsoleDriverFactory(); }
 *     protected Map<String, Object> validSettings() { return Map.of("prefix", ">"); }
 *     protected Map<String, Object> invalidSettings() { return Map.of("prefix", 42); }
 *     protected Map<String, Object> targetAddress() { return Map.of(); }
 * }
 * }</pre>
 */
public abstract class DriverContractTest {

    /** The instance id used for the driver under test. */
    protected static final String INSTANCE = "contract";

    private final List<TestDriverContext> contexts = new ArrayList<>();

    /** The factory under test. */
    protected abstract DriverFactory factory();

    /** Settings that are valid (point any endpoint at a local stand-in the subclass started). */
    protected abstract Map<String, Object> validSettings();

    /** Settings with at least one problem. */
    protected abstract Map<String, Object> invalidSettings();

    /** A target channel address that {@link #validSettings()} can send to. */
    protected abstract Map<String, Object> targetAddress();

    /**
     * Makes the started driver receive one message (e.g. by POSTing to its route on {@code context}); return
     * {@code false} when the driver does not receive messages. The default does not.
     */
    protected boolean triggerInbound(TestDriverContext context) throws Exception {
        return false;
    }

    /** Values that must never appear in a failure message (secrets of {@link #validSettings()}). */
    protected Set<String> secrets() {
        return Set.of();
    }

    /** Rule addresses naming the instance, for drivers that validate them. The default: one target. */
    protected List<ChannelUse> uses(List<ConfigProblem> problems) {
        return List.of(TestDriverContext.use("rule", ChannelUse.Role.BOTH, INSTANCE, targetAddress(), problems));
    }

    /** A started driver with valid settings. */
    protected final Driver startedDriver(TestDriverContext[] contextOut) throws Exception {
        List<ConfigProblem> problems = new ArrayList<>();
        DriverConfig config = TestDriverContext.config(factory().platform(), INSTANCE, validSettings(), problems,
                uses(problems));
        Driver driver = factory().create(config);
        assertThat(problems).filteredOn(p -> !p.warning()).as("problems with validSettings()").isEmpty();
        TestDriverContext context = new TestDriverContext(config);
        contexts.add(context);
        driver.start(context);
        context.startHttp();
        if (contextOut != null) {
            contextOut[0] = context;
        }
        return driver;
    }

    /** A message routed to {@link #targetAddress()}. */
    protected OutboundMessage sampleMessage() {
        return OutboundMessage.builder().deliveryId(UUID.randomUUID().toString()).ruleId("rule").instanceId(INSTANCE)
                .channel(targetAddress()).text("Alice: hello from the contract test")
                .source(new Origin("memory", "source", Map.of("room", "1"), "m-1", Sender.of("u1", "Alice"),
                        java.time.Instant.now()))
                .build();
    }

    @AfterEach
    void closeContexts() {
        contexts.forEach(TestDriverContext::close);
    }

    @Test
    void factoryNamesALowerCasePlatform() {
        String platform = factory().platform();
        assertThat(platform).isNotBlank().isEqualTo(platform.toLowerCase(Locale.ROOT)).doesNotContain(" ");
    }

    @Test
    void factoryIsRegisteredForServiceLoader() {
        Class<? extends DriverFactory> type = factory().getClass();
        assertThat(ServiceLoader.load(DriverFactory.class, type.getClassLoader()).stream()
                .map(ServiceLoader.Provider::type)).as("META-INF/services entry").contains(type);
    }

    @Test
    void validSettingsCreateADriverWithoutProblems() {
        List<ConfigProblem> problems = new ArrayList<>();
        Driver driver = factory().create(TestDriverContext.config(factory().platform(), INSTANCE, validSettings(),
                problems, uses(problems)));
        assertThat(driver).isNotNull();
        assertThat(problems).filteredOn(p -> !p.warning()).isEmpty();
    }

    @Test
    void badSettingsAreReportedWithJsonPaths() {
        List<ConfigProblem> problems = new ArrayList<>();
        factory().create(TestDriverContext.config(factory().platform(), INSTANCE, invalidSettings(), problems,
                uses(problems)));
        List<ConfigProblem> errors = problems.stream().filter(p -> !p.warning()).toList();
        assertThat(errors).as("problems reported for invalidSettings()").isNotEmpty();
        assertThat(errors).allSatisfy(p -> {
            assertThat(p.file()).isIn("config.json", "rules.json");
            assertThat(p.path()).isNotBlank();
            if (p.file().equals("config.json")) {
                assertThat(p.path()).startsWith(factory().platform() + "." + INSTANCE);
            }
            assertThat(p.message()).isNotBlank();
        });
    }

    @Test
    void declaredPortClaimsNameEveryRouteStartRegisters() throws Exception {
        TestDriverContext[] context = new TestDriverContext[1];
        Driver driver = startedDriver(context);
        try {
            List<PortClaim> claims = driver.portClaims();
            if (claims.isEmpty()) {
                return; // the driver declares nothing: its collisions are found only when it starts
            }
            List<String> declared = claims.stream().filter(c -> !c.isOwnServer())
                    .map(c -> c.port() + " " + c.method() + " " + c.path()).toList();
            assertThat(declared).as("routes declared by portClaims()")
                    .containsExactlyInAnyOrderElementsOf(context[0].registeredRoutes());
        } finally {
            driver.stop();
        }
    }

    @Test
    void startsAndStops() throws Exception {
        Driver driver = startedDriver(null);
        assertThatCode(driver::stop).doesNotThrowAnyException();
    }

    @Test
    void stopIsIdempotent() throws Exception {
        Driver driver = startedDriver(null);
        driver.stop();
        assertThatCode(driver::stop).doesNotThrowAnyException();
    }

    @Test
    void sendReturnsAResultOrAClassifiedFailure() throws Exception {
        Driver driver = startedDriver(null);
        try {
            SendResult result = driver.send(sampleMessage());
            assertThat(result).isNotNull();
        } catch (DeliveryException e) {
            assertThat(e.category()).isNotNull();
            assertThat(e.reason()).isNotNull();
            assertThat(e.code()).isNotBlank();
            assertThat(e.getMessage()).isNotBlank();
            for (String secret : secrets()) {
                assertThat(e.getMessage()).doesNotContain(secret);
            }
        } finally {
            driver.stop();
        }
    }

    @Test
    void inboundMessagesCarryTheRequiredFields() throws Exception {
        TestDriverContext[] context = new TestDriverContext[1];
        Driver driver = startedDriver(context);
        try {
            if (!triggerInbound(context[0])) {
                return; // the driver does not receive messages
            }
            List<InboundMessage> published = context[0].published();
            assertThat(published).as("messages published after triggerInbound").isNotEmpty();
            assertThat(published).allSatisfy(m -> {
                assertThat(m.platform()).isEqualTo(factory().platform());
                assertThat(m.instanceId()).isEqualTo(INSTANCE);
                assertThat(m.channel()).isNotNull();
                assertThat(m.sender()).isNotNull();
                assertThat(!m.text().isEmpty() || !m.attachments().isEmpty() || m.rich() != null)
                        .as("text, attachments or rich content").isTrue();
            });
        } finally {
            driver.stop();
        }
    }
}
