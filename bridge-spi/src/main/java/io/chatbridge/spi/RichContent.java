package io.chatbridge.spi;

import java.util.List;

/**
 * Platform-neutral rich content: what a card, link or formatted message says, independent of any platform's JSON.
 * Every variant has a {@link #fallbackText()} for targets that only show text.
 */
public sealed interface RichContent
        permits RichContent.Markdown, RichContent.Link, RichContent.ActionCard, RichContent.FeedCard,
        RichContent.Image {

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
