/**
 * A local stand-in for DingTalk, so anyone can try the bridge (and tests can run it) without a DingTalk account.
 *
 * <p>{@link io.chatbridge.dingtalk.sandbox.DingTalkSandbox} serves DingTalk's robot OpenAPI (access token, group and
 * one-to-one sends), custom-robot webhooks and a web page showing the group chats. People type into the page as
 * group members; the sandbox delivers those messages to the bridge as signed HTTP-mode callbacks.
 * {@link io.chatbridge.dingtalk.sandbox.SandboxCommand} is the {@code bridge.jar sandbox} command.
 *
 * <pre>{@code
 * try (DingTalkSandbox sandbox = new DingTalkSandbox(SandboxSettings.defaults()
 *         .withPort(0)
 *         .withCallbackUrl(URI.create("http://127.0.0.1:8082/dingtalk/event"))).start()) {
 *     // point the driver's API base URL at sandbox.baseUrl(), then:
 *     sandbox.postAsMember("cidGroupA", "Alice", "hello");
 *     sandbox.awaitMessage("cidGroupB", m -> m.shows("hello"), Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>The sandbox uses Javalin and Jackson directly (Javalin at {@code provided} scope, present in {@code bridge.jar});
 * it does not touch the bridge's core.
 */
package io.chatbridge.dingtalk.sandbox;
