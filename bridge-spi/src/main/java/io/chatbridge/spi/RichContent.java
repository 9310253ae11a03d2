package io.chatbridge.spi;

import java.util.List;

/**
 * Platform-neutral rich content: what a card, link or formatted message says, independent of any platform's JSON.
 * Every variant has a {@link #fallbackText()} for targets that only show text.
 */
public sealed interface RichContent
        permits RichContent.Markdown, RichContent.Link, RichContent.ActionCard, RichContent.FeedCard,
        RichContent.Image, RichContent.RichText {

    /** The type name used in rules and on the wire: {@code markdown}, {@code link}, {@code actionCard}... */
    String type();

    /** A plain-text rendering for targets without this type. */
    String fallbackText();

    /** Formatted text with a title (the title is what notifications show). */
    record Markdown(String title, String text) implements RichContent {
        @Override
        public String type() {
            return "markdown";
        }

        @Override
        public String fallbackText() {
            return text == null ? nz(title) : text;
        }
    }

    /** A link preview. */
    record Link(String title, String text, String messageUrl, String picUrl) implements RichContent {
        @Override
        public String type() {
            return "link";
        }

        @Override
        public String fallbackText() {
            return join(title, text, messageUrl);
        }
    }

    /**
     * A card with either one button ({@code singleTitle}/{@code singleUrl}) or a list of buttons.
     *
     * @param buttonOrientation {@code "0"} vertical, {@code "1"} horizontal
     */
    record ActionCard(String title, String text, String singleTitle, String singleUrl, List<Button> buttons,
                      String buttonOrientation) implements RichContent {
        public ActionCard {
            buttons = buttons == null ? List.of() : List.copyOf(buttons);
        }

        @Override
        public String type() {
            return "actionCard";
        }

        @Override
        public String fallbackText() {
            StringBuilder out = new StringBuilder(join(title, text));
            if (singleUrl != null) {
                out.append('\n').append(join(singleTitle == null ? null : singleTitle + ":", singleUrl).replace('\n', ' '));
            }
            for (Button b : buttons) {
                out.append('\n').append(nz(b.title())).append(": ").append(nz(b.url()));
            }
            return out.toString();
        }
    }

    /** A button of an {@link ActionCard}. */
    record Button(String title, String url) {
    }

    /** A list of linked items. */
    record FeedCard(List<FeedLink> links) implements RichContent {
        public FeedCard {
            links = links == null ? List.of() : List.copyOf(links);
        }

        @Override
        public String type() {
            return "feedCard";
        }

        @Override
        public String fallbackText() {
            StringBuilder out = new StringBuilder();
            for (FeedLink link : links) {
                if (!out.isEmpty()) {
                    out.append('\n');
                }
                out.append(nz(link.title())).append(": ").append(nz(link.messageUrl()));
            }
            return out.toString();
        }
    }

    /** An item of a {@link FeedCard}. */
    record FeedLink(String title, String messageUrl, String picUrl) {
    }

    /** A picture by URL. */
    record Image(String url) implements RichContent {
        @Override
        public String type() {
            return "image";
        }

        @Override
        public String fallbackText() {
            return "[image] " + nz(url);
        }
    }

    /**
     * Text and pictures in the order the sender wrote them (DingTalk {@code richText}). The pictures are the
     * message's attachments; a segment names one by its index in {@code attachments}, so targets resolve it like
     * any attachment (a fresh URL at send time).
     */
    record RichText(List<Segment> segments) implements RichContent {
        public RichText {
            segments = segments == null ? List.of() : List.copyOf(segments);
        }

        @Override
        public String type() {
            return "richText";
        }

        /** The text segments, one per line, with {@code [image]} where a picture is. */
        @Override
        public String fallbackText() {
            StringBuilder out = new StringBuilder();
            for (Segment segment : segments) {
                if (!out.isEmpty()) {
                    out.append('\n');
                }
                out.append(segment.showsAttachment() ? "[image]" : nz(segment.text()));
            }
            return out.toString();
        }
    }

    /**
     * One part of a {@link RichText}: either text or a reference to an attachment.
     *
     * @param text the text, or {@code null} for an attachment segment
     * @param attachment the index into the message's attachments, or -1 for a text segment
     */
    record Segment(String text, int attachment) {
        /** A text segment. */
        public static Segment text(String text) {
            return new Segment(text, -1);
        }

        /** A segment showing attachment number {@code index} (0-based). */
        public static Segment attachment(int index) {
            return new Segment(null, index);
        }

        /** Whether this segment shows an attachment rather than text. */
        public boolean showsAttachment() {
            return attachment >= 0;
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String join(String... parts) {
        StringBuilder out = new StringBuilder();
        for (String p : parts) {
            if (p != null && !p.isBlank()) {
                if (!out.isEmpty()) {
                    out.append('\n');
                }
                out.append(p);
            }
        }
        return out.toString();
    }
}
