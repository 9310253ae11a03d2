package io.chatbridge.dingtalk.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A WebSocket server that completes the upgrade and then never answers anything, not even a ping: a connection
 * that is dead without the TCP connection closing (a silently dropped NAT mapping, a hung gateway).
 */
final class SilentWebSocketServer implements AutoCloseable {

    private static final Pattern KEY = Pattern.compile("(?im)^Sec-WebSocket-Key:\\s*(\\S+)");

    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    SilentWebSocketServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "silent-websocket");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI endpoint() {
        return URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/connect");
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                handshake(socket);
            } catch (Exception e) {
                return;
            }
        }
    }

    private static void handshake(Socket socket) throws Exception {
        InputStream in = socket.getInputStream();
        StringBuilder request = new StringBuilder();
        while (!request.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            request.append((char) b);
        }
        Matcher key = KEY.matcher(request);
        if (!key.find()) {
            return;
        }
        byte[] digest = MessageDigest.getInstance("SHA-1").digest(
                (key.group(1) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
        OutputStream out = socket.getOutputStream();
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(digest) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        // from here on: read nothing, answer nothing
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
