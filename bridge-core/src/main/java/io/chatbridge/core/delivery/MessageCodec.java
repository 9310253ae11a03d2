package io.chatbridge.core.delivery;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import io.chatbridge.spi.Attachment;
import io.chatbridge.spi.Mentions;
import io.chatbridge.spi.Origin;
import io.chatbridge.spi.OutboundMessage;
import io.chatbridge.spi.Quote;
import io.chatbridge.spi.RichContent;
import io.chatbridge.spi.RichHeader;
import io.chatbridge.spi.Sender;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A delivery as JSON for the outbox's {@code payload} column, in a form private to core and versioned by its
 * {@code v} field: the records below, not the SPI's classes, so the SPI can grow or change its types without changing
 * what is on disk, and a change of the stored form is a new {@code v} read alongside the old ones.
 *
 * <ul>
 *   <li>no {@code v} (0): rows written up to schema v2, when the payload was the SPI's {@code OutboundMessage} as
 *       JSON. Version 1 kept its property names, so the same records read them. (The {@code attempt} property is
 *       the attempt the row was written for; a claim replaces it from the {@code attempts} column.)</li>
 *   <li>{@code v: 1}: the form of messages. Its optional properties {@code quote}, {@code recallOf},
 *       {@code mentions.names} (display names of mentioned ids),
 *       {@code sourceRef} (of an attachment) and the {@code richText} variant ({@code segments}) came with rich
 *       messages, an attachment's {@code durationMillis} with voice and video sends; rows without them read as
 *       before.</li>
 *   <li>{@code v: 2}: the same properties, written for recall deliveries ({@code recallOf} set) only. A release
 *       that reads up to form 1 ignores {@code recallOf} as an unknown property and would send a recall as an
 *       empty message; form 2 makes it refuse the row instead (left unclaimed for a replica that can read it).
 *       Messages stay in form 1, so older replicas keep sending them during a rolling upgrade.</li>
 * </ul>
 *
 * <p>Unknown properties are ignored so that a row written by a newer build (one more field) can still be read by an
 * older replica during a rolling upgrade; a {@code v} newer than this build knows is refused with a clear error.
 */
final class MessageCodec {

    /** The newest form this build reads. */
    static final int VERSION = 2;
    /** The form {@link #write} writes for a message. */
    static final int MESSAGE_FORM = 1;
    /** The form {@link #write} writes for a recall, which a reader of form 1 must not take for a message. */
    static final int RECALL_FORM = 2;

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .registerModule(new SimpleModule("iso-instant")
                    .addSerializer(Instant.class, new FastInstantSerializer())
                    .addDeserializer(Instant.class, new FastInstantDeserializer()))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    /** Built once: {@code readValue(json, Class)} resolves the type and its deserializer again on every call. */
    private static final ObjectReader READER = JSON.readerFor(StoredDelivery.class);
    private static final ObjectWriter WRITER = JSON.writerFor(StoredDelivery.class);

    private MessageCodec() {
    }

    static String write(OutboundMessage message) {
        try {
            return WRITER.writeValueAsString(StoredDelivery.of(message));
        } catch (JsonProcessingException | RuntimeException e) {
            throw new StoreException("cannot serialize delivery " + message.deliveryId() + ": "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
    }

    static OutboundMessage read(String json) {
        StoredDelivery stored;
        try {
            stored = READER.readValue(json);
        } catch (JsonProcessingException e) {
            throw new StoreException("cannot read a stored delivery: " + e.getOriginalMessage(), e);
        }
        if (stored.v() > VERSION) {
            throw new StoreException("cannot read a stored delivery: it was written in form " + stored.v()
                    + " by a newer build, this one reads forms up to " + VERSION + "; upgrade the bridge", null);
        }
        try {
            return stored.toMessage();
        } catch (RuntimeException e) {
            throw new StoreException("cannot read a stored delivery: " + e.getMessage(), e);
        }
    }

    /** Instants as {@link Instant#toString()} text, formatted by {@link IsoInstant}. */
    private static final class FastInstantSerializer extends StdSerializer<Instant> {
        FastInstantSerializer() {
            super(Instant.class);
        }

        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(IsoInstant.format(value));
        }
    }

    /** Reads {@link IsoInstant}'s shape by hand; anything else as the Java time module always did. */
    private static final class FastInstantDeserializer extends StdDeserializer<Instant> {
        FastInstantDeserializer() {
            super(Instant.class);
        }

        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                Instant fast = IsoInstant.parse(p.getText());
                if (fast != null) {
                    return fast;
                }
            }
            return InstantDeserializer.INSTANT.deserialize(p, ctxt);
        }
    }

    // ------------------------------------------------------------------------------------------------ stored form

    /** Forms 1 and 2 (and, without {@code v}, the rows of schema v2). */
    record StoredDelivery(int v, String deliveryId, String ruleId, String instanceId, Map<String, Object> channel,
                          String text, StoredHeader header, StoredRich rich, List<StoredAttachment> attachments,
                          StoredMentions mentions, Map<String, Object> options, StoredOrigin source,
                          Map<String, String> extensions, Integer attempt, StoredQuote quote, String recallOf) {

        static StoredDelivery of(OutboundMessage m) {
            return new StoredDelivery(m.isRecall() ? RECALL_FORM : MESSAGE_FORM, m.deliveryId(), m.ruleId(), m.instanceId(),
                    m.channel(), m.text(),
                    m.header() == null ? null : new StoredHeader(m.header().title(), m.header().content()),
                    StoredRich.of(m.rich()),
                    m.attachments().stream().map(StoredAttachment::of).toList(),
                    StoredMentions.of(m.mentions()), m.options(), StoredOrigin.of(m.source()), m.extensions(),
                    m.attempt(), StoredQuote.of(m.quote()), m.recallOf());
        }

        OutboundMessage toMessage() {
            OutboundMessage.Builder b = OutboundMessage.builder().deliveryId(deliveryId).ruleId(ruleId)
                    .instanceId(instanceId).text(text)
                    .header(header == null ? null : new RichHeader(header.title(), header.content()))
                    .rich(rich == null ? null : rich.toRich())
                    .mentions(mentions == null ? Mentions.NONE : mentions.toMentions())
                    .source(source == null ? null : source.toOrigin())
                    .quote(quote == null ? null : quote.toQuote())
                    .recallOf(recallOf);
            if (channel != null) {
                b.channel(channel);
            }
            if (attachments != null) {
                b.attachments(attachments.stream().map(StoredAttachment::toAttachment).toList());
            }
            if (options != null) {
                b.options(options);
            }
            if (extensions != null) {
                b.extensions(extensions);
            }
            return b.attempt(attempt == null ? 1 : attempt).build();
        }
    }

    record StoredHeader(String title, String content) {
    }

    /** Every rich variant in one shape; {@code type} says which fields count ({@link RichContent#type()} names). */
    record StoredRich(String type, String title, String text, String messageUrl, String picUrl, String singleTitle,
                      String singleUrl, List<StoredLink> buttons, String buttonOrientation, List<StoredLink> links,
                      String url, List<StoredSegment> segments) {

        static StoredRich of(RichContent rich) {
            if (rich == null) {
                return null;
            }
            if (rich instanceof RichContent.Markdown m) {
                return new StoredRich("markdown", m.title(), m.text(), null, null, null, null, null, null, null,
                        null, null);
            }
            if (rich instanceof RichContent.Link l) {
                return new StoredRich("link", l.title(), l.text(), l.messageUrl(), l.picUrl(), null, null, null,
                        null, null, null, null);
            }
            if (rich instanceof RichContent.ActionCard a) {
                return new StoredRich("actionCard", a.title(), a.text(), null, null, a.singleTitle(), a.singleUrl(),
                        a.buttons().stream().map(btn -> new StoredLink(btn.title(), btn.url(), null, null)).toList(),
                        a.buttonOrientation(), null, null, null);
            }
            if (rich instanceof RichContent.FeedCard f) {
                return new StoredRich("feedCard", null, null, null, null, null, null, null, null,
                        f.links().stream().map(l -> new StoredLink(l.title(), null, l.messageUrl(), l.picUrl()))
                                .toList(), null, null);
            }
            if (rich instanceof RichContent.Image i) {
                return new StoredRich("image", null, null, null, null, null, null, null, null, null, i.url(), null);
            }
            if (rich instanceof RichContent.RichText r) {
                return new StoredRich("richText", null, null, null, null, null, null, null, null, null, null,
                        r.segments().stream().map(StoredSegment::of).toList());
            }
            throw new IllegalArgumentException("rich content of type " + rich.type() + " has no stored form");
        }

        RichContent toRich() {
            return switch (String.valueOf(type)) {
                case "markdown" -> RichContent.markdown(title, text);
                case "link" -> RichContent.link(title, text, messageUrl, picUrl);
                case "actionCard" -> RichContent.actionCard(title, text, singleTitle, singleUrl,
                        buttons == null ? List.of()
                                : buttons.stream().map(btn -> RichContent.button(btn.title(), btn.url())).toList(),
                        buttonOrientation);
                case "feedCard" -> RichContent.feedCard(links == null ? List.of()
                        : links.stream().map(l -> RichContent.feedLink(l.title(), l.messageUrl(), l.picUrl()))
                                .toList());
                case "image" -> RichContent.image(url);
                case "richText" -> RichContent.richText(segments == null ? List.of()
                        : segments.stream().map(StoredSegment::toSegment).toList());
                default -> throw new IllegalArgumentException("unknown rich content type \"" + type + "\"");
            };
        }
    }

    /** A button ({@code title}, {@code url}) or a feed link ({@code title}, {@code messageUrl}, {@code picUrl}). */
    record StoredLink(String title, String url, String messageUrl, String picUrl) {
    }

    /** A text segment ({@code text}) or one showing an attachment ({@code attachment}, its index). */
    record StoredSegment(String text, Integer attachment) {

        static StoredSegment of(RichContent.Segment s) {
            return s.showsAttachment() ? new StoredSegment(null, s.attachment()) : new StoredSegment(s.text(), null);
        }

        RichContent.Segment toSegment() {
            return attachment != null && attachment >= 0 ? RichContent.Segment.attachment(attachment)
                    : RichContent.Segment.text(text);
        }
    }

    /** {@code sourceRef}: the source platform's handle to fetch it at send time (a DingTalk downloadCode). */
    record StoredAttachment(String type, String url, String name, Long size, String mime, String sourceRef,
            Long durationMillis) {

        static StoredAttachment of(Attachment a) {
            return new StoredAttachment(a.type(), a.url(), a.name(), a.size(), a.mime(), a.sourceRef(),
                    a.durationMillis() < 0 ? null : a.durationMillis());
        }

        Attachment toAttachment() {
            return Attachment.builder().type(type).url(url).name(name).size(size == null ? -1 : size).mime(mime)
                    .sourceRef(sourceRef).durationMillis(durationMillis == null ? -1 : durationMillis).build();
        }
    }

    /** What a reply quotes; {@code targetMessageId} as the bridge resolved it for this delivery's target. */
    record StoredQuote(String messageId, StoredSender sender, String text, String targetMessageId) {

        static StoredQuote of(Quote q) {
            if (q == null) {
                return null;
            }
            Sender s = q.sender();
            return new StoredQuote(q.messageId(), s == null ? null : StoredSender.of(s), q.text(),
                    q.targetMessageId());
        }

        Quote toQuote() {
            Quote q = Quote.of(messageId, sender == null ? null : sender.toSender(), text);
            return targetMessageId == null ? q : q.withTargetMessageId(targetMessageId);
        }
    }

    /** {@code names} (display names by user id) is optional: absent in older rows, ignored by older readers. */
    record StoredMentions(List<String> userIds, List<String> mobiles, boolean all, Map<String, String> names) {

        static StoredMentions of(Mentions m) {
            return m == null || m.isEmpty() ? null : new StoredMentions(m.userIds(), m.mobiles(), m.all(),
                    m.names().isEmpty() ? null : m.names());
        }

        Mentions toMentions() {
            return new Mentions(userIds, mobiles, all, names);
        }
    }

    record StoredOrigin(String platform, String instanceId, Map<String, Object> channel, String messageId,
                        StoredSender sender, Instant time) {

        static StoredOrigin of(Origin o) {
            if (o == null) {
                return null;
            }
            Sender s = o.sender();
            return new StoredOrigin(o.platform(), o.instanceId(), o.channel(), o.messageId(),
                    s == null ? null : StoredSender.of(s), o.time());
        }

        Origin toOrigin() {
            return new Origin(platform, instanceId, channel, messageId, sender == null ? null : sender.toSender(),
                    time);
        }
    }

    record StoredSender(String id, String displayName, String username, String avatarUrl) {

        static StoredSender of(Sender s) {
            return new StoredSender(s.id(), s.displayName(), s.username(), s.avatarUrl());
        }

        Sender toSender() {
            return Sender.builder().id(id).displayName(displayName).username(username).avatarUrl(avatarUrl).build();
        }
    }
}
