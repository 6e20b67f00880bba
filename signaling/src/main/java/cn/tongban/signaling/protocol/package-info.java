/**
 * The signaling protocol: every message of {@code /ws} as a record ({@link
 * cn.tongban.signaling.protocol.ClientMessage}, {@link cn.tongban.signaling.protocol.ServerMessage}),
 * the one {@link cn.tongban.signaling.protocol.Codec} and the one {@link
 * cn.tongban.signaling.protocol.ErrorCode} enum. No Vert.x types here: the protocol can be used by any
 * client or tool. Documented with an example of every message in {@code docs/protocol.md}.
 */
package cn.tongban.signaling.protocol;
