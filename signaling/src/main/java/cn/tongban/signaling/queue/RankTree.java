package cn.tongban.signaling.queue;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An immutable ordered set of waiting tickets with ranks: a treap whose nodes are never changed, so an
 * insert or a removal copies only the O(log n) nodes on its path and every older root stays a consistent
 * snapshot. Each node also counts its subtree (for ranks) and keeps what the supervisor's board needs of it
 * (earliest issue time, priority claims, appointments due), so none of these needs a walk over the queue.
 */
final class RankTree {
    private RankTree() {}

    /** A subtree; {@code null} is the empty tree. */
    static final class Node {
        final QueueIndex.Key key;
        final TicketRecord ticket;
        final int priority;
        final Node left;
        final Node right;
        final int size;
        final long minIssuedAt;
        final int claims;
        final int due;

        Node(QueueIndex.Key key, TicketRecord ticket, int priority, Node left, Node right) {
            this.key = key;
            this.ticket = ticket;
            this.priority = priority;
            this.left = left;
            this.right = right;
            this.size = size(left) + 1 + size(right);
            this.minIssuedAt = Math.min(ticket.issuedAt(), Math.min(minIssuedAt(left), minIssuedAt(right)));
            this.claims = claims(left) + (ticket.priorityGroup() != null ? 1 : 0) + claims(right);
            this.due = due(left) + (key.due() ? 1 : 0) + due(right);
        }

        private Node with(Node newLeft, Node newRight) {
            return new Node(key, ticket, priority, newLeft, newRight);
        }
    }

    static int size(Node n) {
        return n == null ? 0 : n.size;
    }

    static long minIssuedAt(Node n) {
        return n == null ? Long.MAX_VALUE : n.minIssuedAt;
    }

    static int claims(Node n) {
        return n == null ? 0 : n.claims;
    }

    static int due(Node n) {
        return n == null ? 0 : n.due;
    }

    private static final Comparator<QueueIndex.Key> ORDER = Comparator.naturalOrder();

    /** The tree with {@code ticket} added under {@code key} (which must not be in it yet). */
    static Node insert(Node root, QueueIndex.Key key, TicketRecord ticket) {
        Node leaf = new Node(key, ticket, ThreadLocalRandom.current().nextInt(), null, null);
        Node[] parts = split(root, key);
        return merge(merge(parts[0], leaf), parts[1]);
    }

    /** The tree without {@code key} (the same tree if it is not in it). */
    static Node remove(Node n, QueueIndex.Key key) {
        if (n == null) {
            return null;
        }
        int c = ORDER.compare(key, n.key);
        if (c == 0) {
            return merge(n.left, n.right);
        }
        if (c < 0) {
            Node l = remove(n.left, key);
            return l == n.left ? n : n.with(l, n.right);
        }
        Node r = remove(n.right, key);
        return r == n.right ? n : n.with(n.left, r);
    }

    /** Keys below {@code key}, and the rest. */
    private static Node[] split(Node n, QueueIndex.Key key) {
        if (n == null) {
            return new Node[] {null, null};
        }
        if (ORDER.compare(n.key, key) < 0) {
            Node[] parts = split(n.right, key);
            return new Node[] {n.with(n.left, parts[0]), parts[1]};
        }
        Node[] parts = split(n.left, key);
        return new Node[] {parts[0], n.with(parts[1], n.right)};
    }

    /** Joins two trees where every key of {@code a} is below every key of {@code b}. */
    private static Node merge(Node a, Node b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        if (a.priority > b.priority) {
            return a.with(a.left, merge(a.right, b));
        }
        return b.with(merge(a, b.left), b.right);
    }

    /** How many keys of the tree are below {@code key}. */
    static int rank(Node n, QueueIndex.Key key) {
        int below = 0;
        while (n != null) {
            if (ORDER.compare(n.key, key) < 0) {
                below += size(n.left) + 1;
                n = n.right;
            } else {
                n = n.left;
            }
        }
        return below;
    }

    static boolean contains(Node n, QueueIndex.Key key) {
        while (n != null) {
            int c = ORDER.compare(key, n.key);
            if (c == 0) {
                return true;
            }
            n = c < 0 ? n.left : n.right;
        }
        return false;
    }

    /** The nodes in key order, lazily: taking the first k costs O(k + log n). */
    static Iterator<Node> iterator(Node root) {
        return new Iterator<>() {
            private final Deque<Node> path = new ArrayDeque<>();

            {
                descend(root);
            }

            private void descend(Node n) {
                while (n != null) {
                    path.push(n);
                    n = n.left;
                }
            }

            @Override
            public boolean hasNext() {
                return !path.isEmpty();
            }

            @Override
            public Node next() {
                if (path.isEmpty()) {
                    throw new NoSuchElementException();
                }
                Node n = path.pop();
                descend(n.right);
                return n;
            }
        };
    }
}
