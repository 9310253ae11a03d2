package io.chatbridge.dingtalk.sandbox;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The files of the sandbox: what members post (pictures, files) under a {@code downloadCode}, which
 * {@code POST /v1.0/robot/messageFiles/download} turns into a short-lived signed URL as DingTalk does, and what
 * robots upload with {@code POST /media/upload} under a {@code media_id}. Kept in memory, at most
 * {@value #MAX_FILES} of each (oldest dropped).
 */
final class SandboxMedia {

    /** How long a download URL works; the sandbox's choice (DingTalk documents its links only as temporary). */
    static final Duration DOWNLOAD_URL_LIFETIME = Duration.ofHours(1);
    /** The upload limit per type; DingTalk's documented limits for the legacy media API (image, file, video). */
    static final long MAX_UPLOAD_BYTES = 20L * 1024 * 1024;
    static final int MAX_FILES = 200;

    /** A small built-in PNG (16×16 gradient) members can post from the page. */
    static final byte[] SAMPLE_PNG = Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAABxklEQVR42g3LIbJFUAAA0L+StwBRkCRBNPLNRhSkkwTRyDcbUZAk"
            + "QTSyFX2nn7+fJ/FknsJTeYKn9fSewTN5omf17J7Tc3tez9/PlbgyV+GqXMHVunrX4Jpc0bW6dtfpul2v6wtH4sgchaNyBEfr6B2D"
            + "Y3JEx+rYHafjdryOL2yJLbMVtsoWbK2ttw22yRZtq223nbbb9tq+sCSWzFJYKkuwtJbeMlgmS7Sslt1yWm7La/lCTMRMLMRKDGIr"
            + "9uIgTmIUV3EXT/EWX/ELc2LOzIW5Mgdza+7Ng3kyR/Nq3s2n+Ta/5i+MiTEzFsbKGIytsTcOxskYjatxN57G2/gavyAho6Ai0NIz"
            + "MBFZ2Tm5eflCl+gyXaGrdEHX6nrdoJt0Ubfqdt2pu3Wv7gtNosk0habSBE2r6TWDZtJEzarZNafm1ryaL4REyIRCqIQgtEIvDMIk"
            + "RGEVduEUbuEVvlAn6kxdqCt1ULfqXj2oJ3VUr+pdfapv9av+QpkoM2WhrJRB2Sp75aCclFG5KnflqbyVr/ILeSLP5IW8kgd5K+/l"
            + "g3ySR/kq3+Wn/Ja/8i+kiTSTFtJKGqSttJcO0kkapat0l57SW/pK/wG4fG0QBOUpEAAAAABJRU5ErkJggg==");

    /**
     * The upload limit of type {@code voice}, and the formats accepted for it (by file name), as DingTalk's upload
     * page lists them (2 MB; amr, mp3, wav). Videos must be mp4.
     */
    static final long MAX_VOICE_BYTES = 2L * 1024 * 1024;
    static final java.util.Set<String> VOICE_FORMATS = java.util.Set.of("amr", "mp3", "wav");
    static final java.util.Set<String> VIDEO_FORMATS = java.util.Set.of("mp4");

    /** How long {@link #SAMPLE_VOICE} plays. */
    static final long SAMPLE_VOICE_MILLIS = 1_000;

    /** The built-in voice message members send from the page: 1 s of a 440 Hz tone, WAV (8 kHz, 16 bit, mono). */
    static final byte[] SAMPLE_VOICE = wav(8_000, SAMPLE_VOICE_MILLIS);

    /**
     * The built-in video members send from the page: only the {@code ftyp} box of an MP4 file, so it is named and
     * typed like a video but does not play (the sandbox has no encoder); the page offers it as a download too.
     */
    static final byte[] SAMPLE_VIDEO = java.util.HexFormat.of().parseHex(
            "0000001c667479706d703432000000006d70343269736f6d6d7034310000000866726565000000086d646174");

    /** A WAV file of {@code millis} of a 440 Hz tone at {@code rate} samples a second. */
    static byte[] wav(int rate, long millis) {
        int samples = (int) (rate * millis / 1000);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44 + samples * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + samples * 2)
                .put("WAVE".getBytes(StandardCharsets.US_ASCII)).put("fmt ".getBytes(StandardCharsets.US_ASCII))
                .putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2)
                .putShort((short) 2).putShort((short) 16).put("data".getBytes(StandardCharsets.US_ASCII))
                .putInt(samples * 2);
        for (int i = 0; i < samples; i++) {
            b.putShort((short) (Math.sin(2 * Math.PI * 440 * i / rate) * 6000));
        }
        return b.array();
    }

    /** One stored file. */
    record File(String name, String mime, byte[] bytes) {
    }

    private final Clock clock;
    private final byte[] urlKey = new byte[32];
    private final SecureRandom random;
    private final Map<String, File> byDownloadCode = new ConcurrentHashMap<>();
    private final Map<String, File> byMediaId = new ConcurrentHashMap<>();
    private final java.util.Deque<String> codeOrder = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final java.util.Deque<String> mediaOrder = new java.util.concurrent.ConcurrentLinkedDeque<>();

    SandboxMedia(Clock clock, SecureRandom random) {
        this.clock = clock;
        this.random = random;
        random.nextBytes(urlKey);
    }

    /** Stores a member's file; returns its {@code downloadCode}. */
    String addMemberFile(File file) {
        String code = "sbxdc" + randomId(24);
        byDownloadCode.put(code, file);
        trim(codeOrder, byDownloadCode, code);
        return code;
    }

    /** Stores an upload; returns its {@code media_id} ({@code @} and letters, like DingTalk's). */
    String addUpload(File file) {
        String id = "@sbx" + randomId(18);
        byMediaId.put(id, file);
        trim(mediaOrder, byMediaId, id);
        return id;
    }

    boolean knowsDownloadCode(String code) {
        return code != null && byDownloadCode.containsKey(code);
    }

    /** A member's file by its downloadCode, for the page (no expiry). */
    File memberFile(String code) {
        return code == null ? null : byDownloadCode.get(code);
    }

    File upload(String mediaId) {
        return mediaId == null ? null : byMediaId.get(mediaId);
    }

    /** The path and query of a download URL for {@code code}, valid for {@link #DOWNLOAD_URL_LIFETIME}. */
    String downloadPath(String code) {
        long expires = clock.millis() + DOWNLOAD_URL_LIFETIME.toMillis();
        return "/sandbox/files/" + code + "?expires=" + expires + "&signature=" + sign(code + "\n" + expires);
    }

    /** The file behind a download URL; the reason it is refused as an OSS-like error code otherwise. */
    Object download(String code, String expires, String signature) {
        File file = code == null ? null : byDownloadCode.get(code);
        if (file == null) {
            return "NoSuchKey";
        }
        long until;
        try {
            until = Long.parseLong(expires);
        } catch (NumberFormatException e) {
            return "AccessDenied";
        }
        if (signature == null || !MessageDigest.isEqual(sign(code + "\n" + until).getBytes(StandardCharsets.UTF_8),
                signature.getBytes(StandardCharsets.UTF_8))) {
            return "SignatureDoesNotMatch";
        }
        if (clock.millis() > until) {
            return "AccessDenied: Request has expired";
        }
        return file;
    }

    private String sign(String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(urlKey, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static void trim(java.util.Deque<String> order, Map<String, File> files, String added) {
        order.addLast(added);
        while (order.size() > MAX_FILES) {
            String oldest = order.pollFirst();
            if (oldest != null) {
                files.remove(oldest);
            }
        }
    }

    private String randomId(int bytes) {
        byte[] buffer = new byte[bytes];
        random.nextBytes(buffer);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buffer);
    }
}
