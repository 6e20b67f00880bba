package cn.tongban.signaling.ws;

import cn.tongban.signaling.live.Access;
import cn.tongban.signaling.live.AsyncMessageHandler;
import cn.tongban.signaling.live.Client;
import cn.tongban.signaling.live.MessageHandler;
import cn.tongban.signaling.live.Registry;
import cn.tongban.signaling.live.Role;
import cn.tongban.signaling.live.Sender;
import cn.tongban.signaling.protocol.ClientMessage;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Routes each client message to the one handler its feature registered for its type, after checking that
 * the sender may send it ({@link Access}). Built at start from every feature's registrations; {@link
 * #verifyComplete} refuses a server in which some message type of the protocol has no handler, so a
 * forgotten one fails the start, not a user at run time.
 */
public final class MessageRouter implements Registry {
    private record Route<M extends ClientMessage>(Access access, AsyncMessageHandler<M> handler) {}

    private final Map<Class<?>, Route<?>> routes = new HashMap<>();
    private final List<Consumer<Sender>> closedHooks = new ArrayList<>();
    private final Map<Role, List<Pusher>> pushers = new EnumMap<>(Role.class);

    @Override
    public <M extends ClientMessage> void on(Class<M> type, Access access, MessageHandler<M> handler) {
        onAsync(type, access, (from, m) -> {
            handler.handle(from, m);
            return Future.succeededFuture();
        });
    }

    @Override
    public synchronized <M extends ClientMessage> void onAsync(
            Class<M> type, Access access, AsyncMessageHandler<M> handler) {
        if (type.isInterface() || type.isSealed()) {
            throw new IllegalArgumentException(type.getSimpleName() + " is not a concrete message type");
        }
        if (routes.putIfAbsent(type, new Route<>(access, handler)) != null) {
            throw new IllegalStateException("two handlers for " + wireName(type));
        }
    }

    @Override
    public synchronized void onClosed(Consumer<Sender> hook) {
        closedHooks.add(hook);
    }

    @Override
    public synchronized void onBroadcast(Role role, Pusher pusher) {
        pushers.computeIfAbsent(role, r -> new ArrayList<>()).add(pusher);
    }

    /** Fails unless every concrete message type of the protocol has a handler. Call once all features registered. */
    public synchronized void verifyComplete() {
        Set<String> missing = new TreeSet<>();
        for (Class<?> type : concreteTypes(ClientMessage.class)) {
            if (!routes.containsKey(type)) {
                missing.add(wireName(type));
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("no handler for the message types " + missing);
        }
    }

    /**
     * Checks the sender's role and runs the handler (on the caller's thread: a worker). Returns what the
     * handler still waits for from another node (an already completed future for most messages).
     */
    @SuppressWarnings("unchecked")
    <M extends ClientMessage> Future<Void> dispatch(Client from, M m) {
        Route<M> route = (Route<M>) routes.get(m.getClass());
        route.access().check(from.role(), wireName(m.getClass()));
        return route.handler().handle(from, m);
    }

    List<Consumer<Sender>> closedHooks() {
        return closedHooks;
    }

    List<Pusher> pushers(Role role) {
        return pushers.getOrDefault(role, List.of());
    }

    /** Every record type reachable through the sealed interface's permitted subtypes. */
    static Set<Class<?>> concreteTypes(Class<?> sealed) {
        Set<Class<?>> out = new LinkedHashSet<>();
        for (Class<?> sub : sealed.getPermittedSubclasses()) {
            if (sub.isSealed()) {
                out.addAll(concreteTypes(sub));
            } else {
                out.add(sub);
            }
        }
        return out;
    }

    /** The message's {@code type} on the wire, e.g. {@code decl_open}. */
    static String wireName(Class<?> type) {
        String name = WIRE_NAMES.get(type);
        return name != null ? name : type.getSimpleName();
    }

    private static final Map<Class<?>, String> WIRE_NAMES = wireNames();

    private static Map<Class<?>, String> wireNames() {
        Map<Class<?>, String> names = new HashMap<>();
        for (JsonSubTypes.Type t :
                ClientMessage.class.getAnnotation(JsonSubTypes.class).value()) {
            names.put(t.value(), t.name());
        }
        return Map.copyOf(names);
    }
}
