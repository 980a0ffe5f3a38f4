#!/usr/bin/env bash
# Runs an HDFS daemon in the foreground, from Hadoop's Maven Central jars. The mode is
# $HDFS_MODE or a first argument of "namenode", "datanode" or "format" (then removed from the
# arguments):
#   namenode  the NameNode: RPC (fs.defaultFS) at 8020, HTTP at 9870 (JSON status at /jmx,
#             e.g. /jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState for NumLiveDataNodes
#             and FSState). Formats the name directory first when it holds no file system
#             (the image's own is formatted at build time; an empty volume is formatted here).
#   datanode  a DataNode registering with the NameNode: data transfer at 9866, HTTP at 9864,
#             IPC at 9867.
#   format    formats the name directory and exits (the image build runs this).
#
# Environment:
#   HDFS_NAMENODE_HOST   the NameNode's host name as every node and client resolves it (its
#                        network alias); fs.defaultFS is hdfs://$HDFS_NAMENODE_HOST:8020
#                        (default hdfs-namenode)
#   HDFS_DATANODE_HOST   datanode: the name it registers with (dfs.datanode.hostname) and that
#                        clients, which use datanode host names, connect to: its network
#                        alias (default: the container's host name)
#   HDFS_REPLICATION     dfs.replication, the default replica count of new files (default 1,
#                        for one DataNode). Clients choose the replication of the files they
#                        create: give them the same dfs.replication (Spark:
#                        spark.hadoop.dfs.replication)
#   HDFS_HEAP            JVM heap, the -Xmx value (default 256m)
#   HDFS_SITE_CONF       extra hdfs-site.xml properties, whitespace-separated key=value pairs
#   HDFS_LOG_LEVEL       root log level (default INFO)
#   HDFS_JAVA_OPTS       extra JVM options
#   HDFS_CLUSTER_ID      the cluster id a format writes (default sparkwire)
# Arguments are passed to the NameNode or DataNode class after the defaults (generic options
# such as -D key=value).
#
# The settings are those a file system in containers needs: the NameNode accepts DataNodes
# whose address has no reverse DNS entry (registration.ip-hostname-check off), nodes and
# clients reach DataNodes by host name rather than by container IP, permissions are off (the
# Spark image runs as user "spark"), and the NameNode leaves safe mode without the 30 s
# extension.
set -euo pipefail

HADOOP_HOME=${HADOOP_HOME:-/opt/hadoop}
CONF_DIR=${HADOOP_CONF_DIR:-/var/lib/hdfs/conf}
NAME_DIR=/var/lib/hdfs/name
DATA_DIR=/var/lib/hdfs/data
NAMENODE_HOST=${HDFS_NAMENODE_HOST:-hdfs-namenode}

mode=${HDFS_MODE:-}
case "${1:-}" in
  namenode | datanode | format) mode=$1; shift ;;
esac
case "$mode" in
  namenode | datanode | format) ;;
  *) echo "entrypoint: unknown mode \"$mode\" (want namenode, datanode or format)" >&2; exit 2 ;;
esac

# property NAME VALUE: one <property> of a Hadoop configuration file. Values are written as
# given: they must not contain XML markup.
property() {
  printf '  <property><name>%s</name><value>%s</value></property>\n' "$1" "$2"
}

mkdir -p "$CONF_DIR" "$NAME_DIR" "$DATA_DIR"
{
  echo '<?xml version="1.0"?>'
  echo '<!-- Written by entrypoint.sh -->'
  echo '<configuration>'
  property fs.defaultFS "hdfs://$NAMENODE_HOST:8020"
  echo '</configuration>'
} >"$CONF_DIR/core-site.xml"
{
  echo '<?xml version="1.0"?>'
  echo '<!-- Written by entrypoint.sh -->'
  echo '<configuration>'
  property dfs.namenode.name.dir "file://$NAME_DIR"
  property dfs.datanode.data.dir "file://$DATA_DIR"
  property dfs.replication "${HDFS_REPLICATION:-1}"
  property dfs.permissions.enabled false
  property dfs.namenode.rpc-bind-host 0.0.0.0
  property dfs.namenode.servicerpc-bind-host 0.0.0.0
  property dfs.namenode.http-bind-host 0.0.0.0
  property dfs.namenode.http-address "$NAMENODE_HOST:9870"
  property dfs.namenode.datanode.registration.ip-hostname-check false
  property dfs.namenode.safemode.extension 0
  property dfs.client.use.datanode.hostname true
  property dfs.datanode.use.datanode.hostname true
  property dfs.datanode.hostname "${HDFS_DATANODE_HOST:-$HOSTNAME}"
  # A small file system on one machine: no reserved-space or disk-check surprises.
  property dfs.datanode.du.reserved 0
  property dfs.namenode.resource.du.reserved 0
  read -r -a extra <<<"${HDFS_SITE_CONF:-}"
  for kv in "${extra[@]}"; do
    property "${kv%%=*}" "${kv#*=}"
  done
  echo '</configuration>'
} >"$CONF_DIR/hdfs-site.xml"

classpath="$CONF_DIR:$HADOOP_HOME/etc:$HADOOP_HOME/share:$HADOOP_HOME/jars/*"
read -r -a java_opts <<<"${HDFS_JAVA_OPTS:-}"
# Hadoop 3.4 on Java 17: WebHDFS's Jersey (its JAXB) defines classes through reflection on
# java.lang; without this option every /webhdfs/v1 request fails with InaccessibleObjectException.
jvm=(java "-Xmx${HDFS_HEAP:-256m}" -XX:+UseG1GC -Djava.net.preferIPv4Stack=true
  --add-opens=java.base/java.lang=ALL-UNNAMED
  "-Dhdfs.log.level=${HDFS_LOG_LEVEL:-INFO}" -Dhadoop.log.dir=/var/lib/hdfs/logs
  -Dhadoop.home.dir="$HADOOP_HOME" "${java_opts[@]}" -cp "$classpath")

format() {
  echo "entrypoint: formatting $NAME_DIR (cluster ${HDFS_CLUSTER_ID:-sparkwire})" >&2
  "${jvm[@]}" -Dhdfs.log.level=WARN org.apache.hadoop.hdfs.server.namenode.NameNode \
    -format -nonInteractive -force -clusterid "${HDFS_CLUSTER_ID:-sparkwire}"
}

case "$mode" in
  format)
    format
    ;;
  namenode)
    if [[ ! -f "$NAME_DIR/current/VERSION" ]]; then
      format
    fi
    echo "entrypoint: HDFS NameNode hdfs://$NAMENODE_HOST:8020, heap ${HDFS_HEAP:-256m}" >&2
    exec "${jvm[@]}" org.apache.hadoop.hdfs.server.namenode.NameNode "$@"
    ;;
  datanode)
    echo "entrypoint: HDFS DataNode ${HDFS_DATANODE_HOST:-$HOSTNAME} for hdfs://$NAMENODE_HOST:8020, heap ${HDFS_HEAP:-256m}" >&2
    exec "${jvm[@]}" org.apache.hadoop.hdfs.server.datanode.DataNode "$@"
    ;;
esac
