/**
 * What every feature of a live session shares, one floor below them all: who sent a message ({@link
 * cn.tongban.signaling.live.Sender}, {@link cn.tongban.signaling.live.Client}), who may send which message
 * ({@link cn.tongban.signaling.live.Access}), the two ends of a session as seen from a sender ({@link
 * cn.tongban.signaling.live.Party}), delivery to any connection of the cluster ({@link
 * cn.tongban.signaling.live.Outbox}), and the registry through which each feature hands the WebSocket layer
 * its typed message handlers and hooks ({@link cn.tongban.signaling.live.Registry}). No Vert.x types.
 */
package cn.tongban.signaling.live;
