package io.chatbridge.dingtalk.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the app robot's {@code msgKey} + {@code msgParam} (protocol §4) into a {@link MessageContent}. */
final class MsgKeyCatalog {

    private MsgKeyCatalog() {}

    static MessageContent read(String msgKey, JsonNode param) throws OpenApiError {
        if (msgKey == null) {
            throw OpenApiError.invalidParameter("msgKey", "msgKey is required");
        }
        switch (msgKey) {
            case "sampleText":
                return MessageContent.text(required(param, "content"));
            case "sampleMarkdown":
                return content("markdown", optional(param, "title"), required(param, "text"), null, null, null,
                        List.of(), Map.of());
            case "sampleImageMsg":
                return content("image", null, null, required(param, "photoURL"), null, null, List.of(), Map.of());
            case "sampleLink":
                return content("link", required(param, "title"), required(param, "text"), optional(param, "picUrl"),
                        required(param, "messageUrl"), null, List.of(), Map.of());
            case "sampleActionCard":
                return content("actionCard", required(param, "title"), required(param, "text"), null, null, "0",
                        List.of(new MessageContent.Button(required(param, "singleTitle"),
                                required(param, "singleURL"))), Map.of());
            case "sampleActionCard2", "sampleActionCard3", "sampleActionCard4", "sampleActionCard5": {
                int count = msgKey.charAt(msgKey.length() - 1) - '0';
                List<MessageContent.Button> buttons = new ArrayList<>();
                for (int i = 1; i <= count; i++) {
                    buttons.add(new MessageContent.Button(required(param, "actionTitle" + i),
                            required(param, "actionURL" + i)));
                }
                return content("actionCard", required(param, "title"), required(param, "text"), null, null, "0",
                        buttons, Map.of());
            }
            case "sampleActionCard6":
                return content("actionCard", required(param, "title"), required(param, "text"), null, null, "1",
                        List.of(new MessageContent.Button(required(param, "buttonTitle1"), required(param, "buttonUrl1")),
                                new MessageContent.Button(required(param, "buttonTitle2"), required(param, "buttonUrl2"))),
                        Map.of());
            case "sampleAudio":
                return media("audio", param, "mediaId", "duration");
            case "sampleFile":
                return media("file", param, "mediaId", "fileName", "fileType");
            case "sampleVideo":
                return media("video", param, "videoMediaId", "duration", "videoType", "picMediaId");
            default:
                throw OpenApiError.invalidParameter("msgKey", "unknown msgKey " + msgKey
                        + " (the catalog has sampleText, sampleMarkdown, sampleImageMsg, sampleLink, sampleActionCard…6,"
                        + " sampleAudio, sampleFile, sampleVideo)");
        }
    }

    private static MessageContent media(String type, JsonNode param, String... fields) throws OpenApiError {
        Map<String, String> media = new LinkedHashMap<>();
        media.put(fields[0], required(param, fields[0]));
        for (int i = 1; i < fields.length; i++) {
            String value = optional(param, fields[i]);
            if (value != null) {
                media.put(fields[i], value);
            }
        }
        return content(type, null, null, null, null, null, List.of(), media);
    }

    private static MessageContent content(String type, String title, String text, String picUrl, String messageUrl,
            String btnOrientation, List<MessageContent.Button> buttons, Map<String, String> media) {
        return new MessageContent(type, title, text, picUrl, messageUrl, btnOrientation, buttons, List.of(),
                List.of(), List.of(), false, media);
    }

    private static String required(JsonNode param, String field) throws OpenApiError {
        String value = optional(param, field);
        if (value == null || value.isEmpty()) {
            throw OpenApiError.invalidParameter("msgParam", "msgParam." + field + " is required");
        }
        return value;
    }

    private static String optional(JsonNode param, String field) {
        JsonNode value = param.get(field);
        return value == null || value.isNull() ? null : value.isValueNode() ? value.asText() : value.toString();
    }
}
