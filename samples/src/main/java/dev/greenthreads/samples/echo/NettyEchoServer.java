package dev.greenthreads.samples.echo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.util.concurrent.TimeUnit;

/**
 * The echo server as Netty's users write it: a boss event loop accepts, worker event loops
 * (one per core, as many as the green server's carriers) run every connection's handler. The
 * {@code netty-nio} mode uses the JDK's selector; {@code netty-epoll} Netty's native epoll
 * transport (Linux).
 *
 * <p>The package's guarantees, the Netty way: the write buffer's high water mark is
 * {@code --buffer} and reading pauses while the channel is not writable (bounded buffering);
 * admission and refusals go through the same {@link ConnectionTable} as every other server; an
 * {@link IdleStateHandler} closes a connection without reads or writes for {@code --idle-timeout};
 * a half-closed connection gets its echo before the close; a failure ends its connection only.
 */
final class NettyEchoServer implements EchoServer {

    private final EchoMode mode;
    private final ServerConfig config;
    private final ServerStats.Counters counters = new ServerStats.Counters();
    private final ConnectionTable table;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel listener;
    private volatile boolean closed;

    NettyEchoServer(EchoMode mode, ServerConfig config) {
        if (mode != EchoMode.NETTY_NIO && mode != EchoMode.NETTY_EPOLL) {
            throw new IllegalArgumentException("not a Netty mode: " + mode.label());
        }
        this.mode = mode;
        this.config = config;
        this.table = new ConnectionTable("echo-" + mode.label(), config, counters);
    }

    /** Null when the native epoll transport loads here, else why not. */
    static String epollUnavailableReason() {
        return Epoll.isAvailable() ? null
                : "netty-epoll needs Netty's native epoll transport (Linux x86_64): " + Epoll.unavailabilityCause();
    }

    @Override
    public void start(int port) throws IOException {
        boolean epoll = mode == EchoMode.NETTY_EPOLL;
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("echo-" + mode.label() + "-boss", true), io);
        workers = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("echo-" + mode.label() + "-worker", true), io);
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, ServerConfig.BACKLOG)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.bufferSize() / 2, config.bufferSize()))
                .childOption(ChannelOption.RECVBUF_ALLOCATOR,
                        new AdaptiveRecvByteBufAllocator(64, Math.min(1024, config.bufferSize()), config.bufferSize()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        long idle = config.idleTimeout().toNanos();
                        if (idle > 0) {
                            ch.pipeline().addLast(new IdleStateHandler(0, 0, idle, TimeUnit.NANOSECONDS));
                        }
                        ch.pipeline().addLast(new Echo());
                    }
                });
        if (config.reusePort()) {
            if (epoll) {
                bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
            } else {
                bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
            }
        }
        try {
            listener = bootstrap.bind(new InetSocketAddress(config.bindAddress(), port)).sync().channel();
        } catch (Exception e) {
            close();
            throw e instanceof IOException ? (IOException) e
                    : new IOException(mode.label() + ": could not listen on port " + port + ": " + e, e);
        }
    }

    @Override
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public String mode() {
        return mode.label();
    }

    @Override
    public ServerStats stats() {
        return counters.snapshot();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (listener != null) {
            listener.close().syncUninterruptibly();
        }
        table.closeAll();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (EventLoopGroup group : new EventLoopGroup[] {boss, workers}) {
            if (group != null) {
                group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            }
        }
        for (EventLoopGroup group : new EventLoopGroup[] {boss, workers}) {
            if (group != null) {
                Future<?> terminated = group.terminationFuture();
                terminated.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** One connection's handler: every byte read is written back. */
    private final class Echo extends ChannelInboundHandlerAdapter {

        private ConnectionTable.Connection connection;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            connection = table.admit(ch::close, ch.remoteAddress());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (connection == null) {
                ((ByteBuf) msg).release();
                return;
            }
            int n = ((ByteBuf) msg).readableBytes();
            counters.bytesRead.add(n);
            connection.touch();
            ctx.write(msg).addListener((ChannelFutureListener) written -> {
                if (written.isSuccess()) {
                    counters.bytesWritten.add(n);
                    connection.touch();
                }
            });
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false); // bounded buffering: read again once drained
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(true);
            } else {
                ctx.flush();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event == ChannelInputShutdownEvent.INSTANCE) {
                // half-closed: everything read so far is echoed, then the connection closes
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            } else if (event instanceof IdleStateEvent && connection != null) {
                connection.closedByServer = true;
                if (table.release(connection)) {
                    counters.idleClosed.increment();
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (connection != null) {
                table.failed(connection, cause instanceof IOException ? (IOException) cause : new IOException(cause));
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (connection != null) {
                table.release(connection);
            }
        }
    }
}
