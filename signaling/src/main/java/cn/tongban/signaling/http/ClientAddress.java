package cn.tongban.signaling.http;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The address of the client behind a connection: the peer's own address, or — only when the peer is a
 * configured reverse proxy — the address that proxy put into {@code X-Forwarded-For}. Anyone can write
 * that header, so it counts only from proxies the operator named; the rightmost address that is not one
 * of them is the client (the ones to its left were written by the client itself).
 */
public final class ClientAddress {
    private final List<IpSubnetFilterRule> proxies = new ArrayList<>();

    /**
     * @param trustedProxies addresses ({@code 10.0.0.5}) or CIDR ranges ({@code 10.0.0.0/24}, {@code fd00::/8})
     * @throws IllegalArgumentException for an entry that is neither
     */
    public ClientAddress(List<String> trustedProxies) {
        for (String entry : trustedProxies) {
            String e = entry.strip();
            int slash = e.indexOf('/');
            String ip = slash < 0 ? e : e.substring(0, slash);
            InetAddress address = literal(ip);
            int prefix = address.getAddress().length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(e.substring(slash + 1));
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException("not a CIDR range: " + entry);
                }
            }
            proxies.add(new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT));
        }
    }

    /** True when {@code peer} is one of the trusted proxies. */
    public boolean isTrustedProxy(String peer) {
        if (proxies.isEmpty() || peer == null) {
            return false;
        }
        InetAddress address;
        try {
            address = literal(peer);
        } catch (IllegalArgumentException e) {
            return false;
        }
        InetSocketAddress socket = new InetSocketAddress(address, 0);
        return proxies.stream().anyMatch(r -> r.matches(socket));
    }

    /** The client's address for a connection from {@code peer} carrying {@code forwardedFor} (or null). */
    public String client(String peer, String forwardedFor) {
        if (forwardedFor == null || !isTrustedProxy(peer)) {
            return peer;
        }
        String[] hops = forwardedFor.split(",");
        String leftmost = peer;
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].strip();
            if (hop.isEmpty()) {
                continue;
            }
            try {
                literal(hop);
            } catch (IllegalArgumentException e) {
                // Garbage where an address belongs: whoever wrote it is not to be trusted further.
                return leftmost;
            }
            if (!isTrustedProxy(hop)) {
                return hop;
            }
            leftmost = hop;
        }
        return leftmost;
    }

    /**
     * The network of a client address, for the audit journal: an IPv4 address masked to its /24 ({@code
     * 198.51.100.0/24}), an IPv6 address to its /48 ({@code 2001:db8:1::/48}), so that a flood from one
     * place shows without naming a device; {@code ?} for anything else.
     */
    public static String masked(String address) {
        InetAddress a;
        try {
            a = address == null ? null : literal(address.strip());
        } catch (IllegalArgumentException e) {
            a = null;
        }
        if (a == null) {
            return "?";
        }
        byte[] bytes = a.getAddress();
        int prefix = bytes.length == 4 ? 24 : 48;
        for (int i = prefix / 8; i < bytes.length; i++) {
            bytes[i] = 0;
        }
        try {
            return NetUtil.toAddressString(InetAddress.getByAddress(bytes)) + "/" + prefix;
        } catch (UnknownHostException e) {
            return "?";
        }
    }

    /** An IP address literal (never a name lookup). */
    private static InetAddress literal(String ip) {
        String s = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(s);
        if (address == null) {
            throw new IllegalArgumentException("not an IP address: " + ip);
        }
        return address;
    }
}
