/**
 * The driver SPI: everything a driver for another platform needs, and nothing more.
 *
 * <p>A driver jar contains a {@link io.chatbridge.spi.DriverFactory} registered in
 * {@code META-INF/services/io.chatbridge.spi.DriverFactory}. The bridge finds it with {@link java.util.ServiceLoader}
 * on the classpath or in a jar of the {@code --plugins} directory, asks it to validate and create one
 * {@link io.chatbridge.spi.Driver} per configured instance, starts every driver with a
 * {@link io.chatbridge.spi.DriverContext}, and from then on calls {@link io.chatbridge.spi.Driver#send} for each
 * message routed to the instance.
 *
 * <p>Drivers import nothing from the bridge outside this package (the {@code bridge-spi} artifact, whose only
 * dependency is {@code slf4j-api}). Types here change only by addition: new default methods, new builder methods,
 * new enum constants; message types are made only by their builders and factories.
 */
package io.chatbridge.spi;
