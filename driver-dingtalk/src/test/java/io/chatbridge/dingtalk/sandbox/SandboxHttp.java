package io.chatbridge.dingtalk.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Talks to a sandbox over loopback HTTP the way a DingTalk client would. */
final class SandboxHttp {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private SandboxHttp() {}

    record Answer(int status, JsonNode body) {}

    static Answer post(String url, Object body, Map<String, String> headers) throws IOException, InterruptedException {
        String json = body instanceof String text ? text : JSON.writeValueAsString(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        headers.forEach(request::header);
        HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body().isEmpty() ? null : JSON.readTree(response.body()));
    }

    static Answer post(String url, Object body) throws IOException, InterruptedException {
        return post(url, body, Map.of());
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String token(DingTalkSandbox sandbox) throws IOException, InterruptedException {
        SandboxSettings settings = sandbox.settings();
        Answer answer = post(sandbox.baseUrl() + "/v1.0/oauth2/accessToken",
                Map.of("appKey", settings.appKey(), "appSecret", settings.appSecret()));
        return answer.body().get("accessToken").asText();
    }

    /** {@code POST /v1.0/robot/groupMessages/send} with a fresh or cached token. */
    static Answer groupSend(DingTalkSandbox sandbox, String token, String openConversationId, String msgKey,
            Map<String, ?> msgParam) throws IOException, InterruptedException {
        return post(sandbox.baseUrl() + "/v1.0/robot/groupMessages/send",
                Map.of("robotCode", sandbox.settings().robotCode(), "openConversationId", openConversationId,
                        "msgKey", msgKey, "msgParam", JSON.writeValueAsString(msgParam)),
                Map.of("x-acs-dingtalk-access-token", token));
    }

    /** Written independently of protocol.DingTalkSignature, so the two check each other. */
    /** {@code POST /media/upload?access_token=…&type=…} with {@code bytes} as multipart field {@code media}. */
    static Answer upload(DingTalkSandbox sandbox, String token, String type, String fileName, String mime,
            byte[] bytes) throws IOException, InterruptedException {
        String boundary = "sandboxtest" + System.nanoTime();
        java.io.ByteArrayOutputStream form = new java.io.ByteArrayOutputStream();
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"media\"; filename=\"" + fileName
                + "\"\r\nContent-Type: " + mime + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        form.writeBytes(bytes);
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(java.net.URI.create(sandbox.baseUrl()
                        + "/media/upload?access_token=" + token + "&type=" + type))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()));
    }

    static String hmacBase64(String secret, String timestamp) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getEncoder().encodeToString(
                    mac.doFinal((timestamp + "\n" + secret).getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
