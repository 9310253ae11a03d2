package io.chatbridge.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Platform-neutral rich content: what a card, link or formatted message says, independent of any platform's JSON.
 * Every variant has a {@link #fallbackText()} for targets that only show text. Drivers tell the variants apart with
 * {@code instanceof} (the set is sealed, and only grows); they are made only with this interface's static
 * factories and builders ({@link #markdown}, {@link #link}, {@link #actionCard()}, {@link #feedCard},
 * {@link #image}), so a field added to a variant later is a new builder method.
 */
public sealed interface RichContent
        permits RichContent.Markdown, RichContent.Link, RichContent.ActionCard, RichContent.FeedCard,
        RichContent.Image {

    /** The type name used in rules and on the wire: {@code markdown}, {@code link}, {@code actionCard}... */
    String type();

    /** A plain-text rendering for targets without this type. */
    String fallbackText();

    /** Formatted text with a title (the title is what notifications show). */
    static Markdown markdown(String title, String text) {
        return new Markdown(title, text);
    }

    /** A link preview; any part may be {@code null}. */
    static Link link(String title, String text, String messageUrl, String picUrl) {
        return new Link(title, text, messageUrl, picUrl);
    }

    /** A builder for a card with one button or a list of buttons. */
    static ActionCard.Builder actionCard() {
        return new ActionCard.Builder();
    }

    /** A card; see {@link ActionCard} for the fields. Any may be {@code null}. */
    static ActionCard actionCard(String title, String text, String singleTitle, String singleUrl,
                                 List<Button> buttons, String buttonOrientation) {
        return actionCard().title(title).text(text).singleTitle(singleTitle).singleUrl(singleUrl).buttons(buttons)
                .buttonOrientation(buttonOrientation).build();
    }

    /** A button of an {@link ActionCard}. */
    static Button button(String title, String url) {
        return new Button(title, url);
    }

    /** A list of linked items. */
    static FeedCard feedCard(List<FeedLink> links) {
        return new FeedCard(links);
    }

    /** An item of a {@link FeedCard}. */
    static FeedLink feedLink(String title, String messageUrl, String picUrl) {
        return new FeedLink(title, messageUrl, picUrl);
    }

    /** A picture by URL. */
    static Image image(String url) {
        return new Image(url);
    }

    /** Formatted text with a title. Made with {@link RichContent#markdown}. */
    final class Markdown implements RichContent {
        private final String title;
        private final String text;

        private Markdown(String title, String text) {
            this.title = title;
            this.text = text;
        }

        public String title() {
            return title;
        }

        public String text() {
            return text;
        }

        @Override
        public String type() {
            return "markdown";
        }

        @Override
        public String fallbackText() {
            return text == null ? nz(title) : text;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Markdown m && Objects.equals(title, m.title) && Objects.equals(text, m.text);
        }

        @Override
        public int hashCode() {
            return Objects.hash(title, text);
        }

        @Override
        public String toString() {
            return "Markdown[title=" + title + ", text=" + text + "]";
        }
    }

    /** A link preview. Made with {@link RichContent#link}. */
    final class Link implements RichContent {
        private final String title;
        private final String text;
        private final String messageUrl;
        private final String picUrl;

        private Link(String title, String text, String messageUrl, String picUrl) {
            this.title = title;
            this.text = text;
            this.messageUrl = messageUrl;
            this.picUrl = picUrl;
        }

        public String title() {
            return title;
        }

        public String text() {
            return text;
        }

        public String messageUrl() {
            return messageUrl;
        }

        public String picUrl() {
            return picUrl;
        }

        @Override
        public String type() {
            return "link";
        }

        @Override
        public String fallbackText() {
            return join(title, text, messageUrl);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Link l && Objects.equals(title, l.title) && Objects.equals(text, l.text)
                    && Objects.equals(messageUrl, l.messageUrl) && Objects.equals(picUrl, l.picUrl);
        }

        @Override
        public int hashCode() {
            return Objects.hash(title, text, messageUrl, picUrl);
        }

        @Override
        public String toString() {
            return "Link[title=" + title + ", text=" + text + ", messageUrl=" + messageUrl + ", picUrl=" + picUrl
                    + "]";
        }
    }

    /**
     * A card with either one button ({@code singleTitle}/{@code singleUrl}) or a list of buttons. Made with
     * {@link RichContent#actionCard()}.
     */
    final class ActionCard implements RichContent {
        private final String title;
        private final String text;
        private final String singleTitle;
        private final String singleUrl;
        private final List<Button> buttons;
        private final String buttonOrientation;

        private ActionCard(Builder b) {
            this.title = b.title;
            this.text = b.text;
            this.singleTitle = b.singleTitle;
            this.singleUrl = b.singleUrl;
            this.buttons = List.copyOf(b.buttons);
            this.buttonOrientation = b.buttonOrientation;
        }

        /** A builder holding this card's fields, to make a changed copy. */
        public Builder toBuilder() {
            return new Builder().title(title).text(text).singleTitle(singleTitle).singleUrl(singleUrl)
                    .buttons(buttons).buttonOrientation(buttonOrientation);
        }

        public String title() {
            return title;
        }

        public String text() {
            return text;
        }

        public String singleTitle() {
            return singleTitle;
        }

        public String singleUrl() {
            return singleUrl;
        }

        public List<Button> buttons() {
            return buttons;
        }

        /** {@code "0"} vertical, {@code "1"} horizontal, or {@code null}. */
        public String buttonOrientation() {
            return buttonOrientation;
        }

        @Override
        public String type() {
            return "actionCard";
        }

        @Override
        public String fallbackText() {
            StringBuilder out = new StringBuilder(join(title, text));
            if (singleUrl != null) {
                out.append('\n').append(join(singleTitle == null ? null : singleTitle + ":", singleUrl)
                        .replace('\n', ' '));
            }
            for (Button b : buttons) {
                out.append('\n').append(nz(b.title())).append(": ").append(nz(b.url()));
            }
            return out.toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ActionCard a && Objects.equals(title, a.title) && Objects.equals(text, a.text)
                    && Objects.equals(singleTitle, a.singleTitle) && Objects.equals(singleUrl, a.singleUrl)
                    && buttons.equals(a.buttons) && Objects.equals(buttonOrientation, a.buttonOrientation);
        }

        @Override
        public int hashCode() {
            return Objects.hash(title, text, singleTitle, singleUrl, buttons, buttonOrientation);
        }

        @Override
        public String toString() {
            return "ActionCard[title=" + title + ", text=" + text + ", singleTitle=" + singleTitle + ", singleUrl="
                    + singleUrl + ", buttons=" + buttons + ", buttonOrientation=" + buttonOrientation + "]";
        }

        /** Builds an {@link ActionCard}. Not thread-safe. */
        public static final class Builder {
            private String title;
            private String text;
            private String singleTitle;
            private String singleUrl;
            private final List<Button> buttons = new ArrayList<>();
            private String buttonOrientation;

            private Builder() {
            }

            public Builder title(String title) {
                this.title = title;
                return this;
            }

            public Builder text(String text) {
                this.text = text;
                return this;
            }

            /** The one button's title. */
            public Builder singleTitle(String singleTitle) {
                this.singleTitle = singleTitle;
                return this;
            }

            /** The one button's link. */
            public Builder singleUrl(String singleUrl) {
                this.singleUrl = singleUrl;
                return this;
            }

            /** Adds a button. */
            public Builder button(String title, String url) {
                buttons.add(new Button(title, url));
                return this;
            }

            /** Replaces the buttons. */
            public Builder buttons(List<Button> buttons) {
                this.buttons.clear();
                if (buttons != null) {
                    buttons.forEach(b -> this.buttons.add(Objects.requireNonNull(b, "button")));
                }
                return this;
            }

            /** {@code "0"} vertical, {@code "1"} horizontal. */
            public Builder buttonOrientation(String buttonOrientation) {
                this.buttonOrientation = buttonOrientation;
                return this;
            }

            public ActionCard build() {
                return new ActionCard(this);
            }
        }
    }

    /** A button of an {@link ActionCard}. Made with {@link RichContent#button}. */
    final class Button {
        private final String title;
        private final String url;

        private Button(String title, String url) {
            this.title = title;
            this.url = url;
        }

        public String title() {
            return title;
        }

        public String url() {
            return url;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Button b && Objects.equals(title, b.title) && Objects.equals(url, b.url);
        }

        @Override
        public int hashCode() {
            return Objects.hash(title, url);
        }

        @Override
        public String toString() {
            return "Button[title=" + title + ", url=" + url + "]";
        }
    }

    /** A list of linked items. Made with {@link RichContent#feedCard}. */
    final class FeedCard implements RichContent {
        private final List<FeedLink> links;

        private FeedCard(List<FeedLink> links) {
            this.links = links == null ? List.of() : List.copyOf(links);
        }

        public List<FeedLink> links() {
            return links;
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

        @Override
        public boolean equals(Object o) {
            return o instanceof FeedCard f && links.equals(f.links);
        }

        @Override
        public int hashCode() {
            return links.hashCode();
        }

        @Override
        public String toString() {
            return "FeedCard[links=" + links + "]";
        }
    }

    /** An item of a {@link FeedCard}. Made with {@link RichContent#feedLink}. */
    final class FeedLink {
        private final String title;
        private final String messageUrl;
        private final String picUrl;

        private FeedLink(String title, String messageUrl, String picUrl) {
            this.title = title;
            this.messageUrl = messageUrl;
            this.picUrl = picUrl;
        }

        public String title() {
            return title;
        }

        public String messageUrl() {
            return messageUrl;
        }

        public String picUrl() {
            return picUrl;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof FeedLink l && Objects.equals(title, l.title)
                    && Objects.equals(messageUrl, l.messageUrl) && Objects.equals(picUrl, l.picUrl);
        }

        @Override
        public int hashCode() {
            return Objects.hash(title, messageUrl, picUrl);
        }

        @Override
        public String toString() {
            return "FeedLink[title=" + title + ", messageUrl=" + messageUrl + ", picUrl=" + picUrl + "]";
        }
    }

    /** A picture by URL. Made with {@link RichContent#image}. */
    final class Image implements RichContent {
        private final String url;

        private Image(String url) {
            this.url = url;
        }

        public String url() {
            return url;
        }

        @Override
        public String type() {
            return "image";
        }

        @Override
        public String fallbackText() {
            return "[image] " + nz(url);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Image i && Objects.equals(url, i.url);
        }

        @Override
        public int hashCode() {
            return Objects.hashCode(url);
        }

        @Override
        public String toString() {
            return "Image[url=" + url + "]";
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
