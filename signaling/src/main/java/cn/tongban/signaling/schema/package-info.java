/**
 * The explicit, versioned schema of everything kept in the cluster: {@link
 * cn.tongban.signaling.schema.CompactType} (a Hazelcast Compact serializer stated as a type name, a writer
 * and a reader), {@link cn.tongban.signaling.schema.Fields} (every field read with its default when
 * absent), and {@link cn.tongban.signaling.schema.Generation} (which processors every member can run). Each
 * feature package declares its own types in a {@code *Schema} class; {@code
 * cluster.ClusterSchema} lists them all for the Hazelcast member. Rules: docs/cluster.md, "Cluster state and
 * rolling upgrades". Imports nothing of this project.
 */
package cn.tongban.signaling.schema;
