/**
 * DingTalk's wire formats, in one place for everything that speaks them: the robot signature
 * ({@link io.chatbridge.dingtalk.protocol.DingTalkSignature}), custom robot bodies
 * ({@link io.chatbridge.dingtalk.protocol.CustomRobotBody}) and callback bodies
 * ({@link io.chatbridge.dingtalk.protocol.CallbackBody}). The driver writes and reads them, the sandbox reads and
 * writes the other side, and {@code bridge.jar simulate} writes callbacks. Nothing here depends on the bridge's SPI.
 * See {@code dingtalk-protocol.md} for the facts.
 */
package io.chatbridge.dingtalk.protocol;
