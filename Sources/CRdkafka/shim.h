/*
 * librdkafka, loaded on first use (dlopen) rather than at process start.
 *
 * Why: librdkafka pulls in libssl, libcrypto and libsasl2; resolving their symbols at start was
 * ~14% of the CPU of a small query (`lakeq "select count(*) ..."`), which never touches Kafka.
 * The header is included with every function LakeqKafka calls renamed by a function-like macro
 * (so its declarations do not bind to the library; `struct rd_kafka_metadata` keeps its name),
 * and each is then defined here as an inline wrapper that resolves the real function with
 * dlsym the first time it runs. LakeqKafka asks `lakeq_rdkafka_load_error()` before making
 * any client, so a missing library is a clean error. (A library older than these headers that
 * lacked one of the functions would fail at that call, as a dynamic link would have failed at
 * start.) LD_LIBRARY_PATH still chooses the library (CI puts a newer librdkafka first).
 *
 * The list below is every librdkafka function LakeqKafka calls; a function used without a
 * wrapper here would still compile against the renamed-away declaration and fail to link
 * (`lakeq_rdkafka_declared_...` undefined), so a missing entry cannot go unnoticed.
 */
#ifndef LAKEQ_CRDKAFKA_SHIM_H
#define LAKEQ_CRDKAFKA_SHIM_H

#include <dlfcn.h>
#include <stddef.h>

#define rd_kafka_CreateTopics(...) lakeq_rdkafka_declared_rd_kafka_CreateTopics(__VA_ARGS__)
#define rd_kafka_CreateTopics_result_topics(...) lakeq_rdkafka_declared_rd_kafka_CreateTopics_result_topics(__VA_ARGS__)
#define rd_kafka_NewTopic_destroy(...) lakeq_rdkafka_declared_rd_kafka_NewTopic_destroy(__VA_ARGS__)
#define rd_kafka_NewTopic_new(...) lakeq_rdkafka_declared_rd_kafka_NewTopic_new(__VA_ARGS__)
#define rd_kafka_assign(...) lakeq_rdkafka_declared_rd_kafka_assign(__VA_ARGS__)
#define rd_kafka_assignment(...) lakeq_rdkafka_declared_rd_kafka_assignment(__VA_ARGS__)
#define rd_kafka_commit(...) lakeq_rdkafka_declared_rd_kafka_commit(__VA_ARGS__)
#define rd_kafka_committed(...) lakeq_rdkafka_declared_rd_kafka_committed(__VA_ARGS__)
#define rd_kafka_conf_destroy(...) lakeq_rdkafka_declared_rd_kafka_conf_destroy(__VA_ARGS__)
#define rd_kafka_conf_new(...) lakeq_rdkafka_declared_rd_kafka_conf_new(__VA_ARGS__)
#define rd_kafka_conf_set(...) lakeq_rdkafka_declared_rd_kafka_conf_set(__VA_ARGS__)
#define rd_kafka_conf_set_dr_msg_cb(...) lakeq_rdkafka_declared_rd_kafka_conf_set_dr_msg_cb(__VA_ARGS__)
#define rd_kafka_conf_set_error_cb(...) lakeq_rdkafka_declared_rd_kafka_conf_set_error_cb(__VA_ARGS__)
#define rd_kafka_conf_set_log_cb(...) lakeq_rdkafka_declared_rd_kafka_conf_set_log_cb(__VA_ARGS__)
#define rd_kafka_conf_set_opaque(...) lakeq_rdkafka_declared_rd_kafka_conf_set_opaque(__VA_ARGS__)
#define rd_kafka_conf_set_rebalance_cb(...) lakeq_rdkafka_declared_rd_kafka_conf_set_rebalance_cb(__VA_ARGS__)
#define rd_kafka_consume_batch_queue(...) lakeq_rdkafka_declared_rd_kafka_consume_batch_queue(__VA_ARGS__)
#define rd_kafka_consumer_close(...) lakeq_rdkafka_declared_rd_kafka_consumer_close(__VA_ARGS__)
#define rd_kafka_destroy(...) lakeq_rdkafka_declared_rd_kafka_destroy(__VA_ARGS__)
#define rd_kafka_err2str(...) lakeq_rdkafka_declared_rd_kafka_err2str(__VA_ARGS__)
#define rd_kafka_error_code(...) lakeq_rdkafka_declared_rd_kafka_error_code(__VA_ARGS__)
#define rd_kafka_error_destroy(...) lakeq_rdkafka_declared_rd_kafka_error_destroy(__VA_ARGS__)
#define rd_kafka_error_string(...) lakeq_rdkafka_declared_rd_kafka_error_string(__VA_ARGS__)
#define rd_kafka_event_CreateTopics_result(...) lakeq_rdkafka_declared_rd_kafka_event_CreateTopics_result(__VA_ARGS__)
#define rd_kafka_event_destroy(...) lakeq_rdkafka_declared_rd_kafka_event_destroy(__VA_ARGS__)
#define rd_kafka_event_error(...) lakeq_rdkafka_declared_rd_kafka_event_error(__VA_ARGS__)
#define rd_kafka_event_error_string(...) lakeq_rdkafka_declared_rd_kafka_event_error_string(__VA_ARGS__)
#define rd_kafka_flush(...) lakeq_rdkafka_declared_rd_kafka_flush(__VA_ARGS__)
#define rd_kafka_get_watermark_offsets(...) lakeq_rdkafka_declared_rd_kafka_get_watermark_offsets(__VA_ARGS__)
#define rd_kafka_incremental_assign(...) lakeq_rdkafka_declared_rd_kafka_incremental_assign(__VA_ARGS__)
#define rd_kafka_incremental_unassign(...) lakeq_rdkafka_declared_rd_kafka_incremental_unassign(__VA_ARGS__)
#define rd_kafka_last_error(...) lakeq_rdkafka_declared_rd_kafka_last_error(__VA_ARGS__)
#define rd_kafka_message_destroy(...) lakeq_rdkafka_declared_rd_kafka_message_destroy(__VA_ARGS__)
#define rd_kafka_message_timestamp(...) lakeq_rdkafka_declared_rd_kafka_message_timestamp(__VA_ARGS__)
#define rd_kafka_metadata(...) lakeq_rdkafka_declared_rd_kafka_metadata(__VA_ARGS__)
#define rd_kafka_metadata_destroy(...) lakeq_rdkafka_declared_rd_kafka_metadata_destroy(__VA_ARGS__)
#define rd_kafka_new(...) lakeq_rdkafka_declared_rd_kafka_new(__VA_ARGS__)
#define rd_kafka_outq_len(...) lakeq_rdkafka_declared_rd_kafka_outq_len(__VA_ARGS__)
#define rd_kafka_poll(...) lakeq_rdkafka_declared_rd_kafka_poll(__VA_ARGS__)
#define rd_kafka_poll_set_consumer(...) lakeq_rdkafka_declared_rd_kafka_poll_set_consumer(__VA_ARGS__)
#define rd_kafka_position(...) lakeq_rdkafka_declared_rd_kafka_position(__VA_ARGS__)
#define rd_kafka_produce(...) lakeq_rdkafka_declared_rd_kafka_produce(__VA_ARGS__)
#define rd_kafka_query_watermark_offsets(...) lakeq_rdkafka_declared_rd_kafka_query_watermark_offsets(__VA_ARGS__)
#define rd_kafka_queue_destroy(...) lakeq_rdkafka_declared_rd_kafka_queue_destroy(__VA_ARGS__)
#define rd_kafka_queue_get_consumer(...) lakeq_rdkafka_declared_rd_kafka_queue_get_consumer(__VA_ARGS__)
#define rd_kafka_queue_new(...) lakeq_rdkafka_declared_rd_kafka_queue_new(__VA_ARGS__)
#define rd_kafka_queue_poll(...) lakeq_rdkafka_declared_rd_kafka_queue_poll(__VA_ARGS__)
#define rd_kafka_rebalance_protocol(...) lakeq_rdkafka_declared_rd_kafka_rebalance_protocol(__VA_ARGS__)
#define rd_kafka_seek_partitions(...) lakeq_rdkafka_declared_rd_kafka_seek_partitions(__VA_ARGS__)
#define rd_kafka_subscribe(...) lakeq_rdkafka_declared_rd_kafka_subscribe(__VA_ARGS__)
#define rd_kafka_topic_destroy(...) lakeq_rdkafka_declared_rd_kafka_topic_destroy(__VA_ARGS__)
#define rd_kafka_topic_name(...) lakeq_rdkafka_declared_rd_kafka_topic_name(__VA_ARGS__)
#define rd_kafka_topic_new(...) lakeq_rdkafka_declared_rd_kafka_topic_new(__VA_ARGS__)
#define rd_kafka_topic_partition_list_add(...) lakeq_rdkafka_declared_rd_kafka_topic_partition_list_add(__VA_ARGS__)
#define rd_kafka_topic_partition_list_destroy(...) lakeq_rdkafka_declared_rd_kafka_topic_partition_list_destroy(__VA_ARGS__)
#define rd_kafka_topic_partition_list_new(...) lakeq_rdkafka_declared_rd_kafka_topic_partition_list_new(__VA_ARGS__)
#define rd_kafka_topic_result_error(...) lakeq_rdkafka_declared_rd_kafka_topic_result_error(__VA_ARGS__)
#define rd_kafka_topic_result_error_string(...) lakeq_rdkafka_declared_rd_kafka_topic_result_error_string(__VA_ARGS__)
#define rd_kafka_version_str(...) lakeq_rdkafka_declared_rd_kafka_version_str(__VA_ARGS__)

#include <librdkafka/rdkafka.h>

#undef rd_kafka_CreateTopics
#undef rd_kafka_CreateTopics_result_topics
#undef rd_kafka_NewTopic_destroy
#undef rd_kafka_NewTopic_new
#undef rd_kafka_assign
#undef rd_kafka_assignment
#undef rd_kafka_commit
#undef rd_kafka_committed
#undef rd_kafka_conf_destroy
#undef rd_kafka_conf_new
#undef rd_kafka_conf_set
#undef rd_kafka_conf_set_dr_msg_cb
#undef rd_kafka_conf_set_error_cb
#undef rd_kafka_conf_set_log_cb
#undef rd_kafka_conf_set_opaque
#undef rd_kafka_conf_set_rebalance_cb
#undef rd_kafka_consume_batch_queue
#undef rd_kafka_consumer_close
#undef rd_kafka_destroy
#undef rd_kafka_err2str
#undef rd_kafka_error_code
#undef rd_kafka_error_destroy
#undef rd_kafka_error_string
#undef rd_kafka_event_CreateTopics_result
#undef rd_kafka_event_destroy
#undef rd_kafka_event_error
#undef rd_kafka_event_error_string
#undef rd_kafka_flush
#undef rd_kafka_get_watermark_offsets
#undef rd_kafka_incremental_assign
#undef rd_kafka_incremental_unassign
#undef rd_kafka_last_error
#undef rd_kafka_message_destroy
#undef rd_kafka_message_timestamp
#undef rd_kafka_metadata
#undef rd_kafka_metadata_destroy
#undef rd_kafka_new
#undef rd_kafka_outq_len
#undef rd_kafka_poll
#undef rd_kafka_poll_set_consumer
#undef rd_kafka_position
#undef rd_kafka_produce
#undef rd_kafka_query_watermark_offsets
#undef rd_kafka_queue_destroy
#undef rd_kafka_queue_get_consumer
#undef rd_kafka_queue_new
#undef rd_kafka_queue_poll
#undef rd_kafka_rebalance_protocol
#undef rd_kafka_seek_partitions
#undef rd_kafka_subscribe
#undef rd_kafka_topic_destroy
#undef rd_kafka_topic_name
#undef rd_kafka_topic_new
#undef rd_kafka_topic_partition_list_add
#undef rd_kafka_topic_partition_list_destroy
#undef rd_kafka_topic_partition_list_new
#undef rd_kafka_topic_result_error
#undef rd_kafka_topic_result_error_string
#undef rd_kafka_version_str

/* The library handle: opened once; NULL when it cannot be loaded. */
static inline void *lakeq_rdkafka_handle(void) {
    static void *handle;
    static int tried;
    if (!__atomic_load_n(&tried, __ATOMIC_ACQUIRE)) {
        void *h = dlopen("librdkafka.so.1", RTLD_NOW | RTLD_LOCAL);
        __atomic_store_n(&handle, h, __ATOMIC_RELEASE);
        __atomic_store_n(&tried, 1, __ATOMIC_RELEASE);
    }
    return __atomic_load_n(&handle, __ATOMIC_ACQUIRE);
}

/* NULL when librdkafka is loaded, else why it is not (dlerror's message). */
static inline const char *lakeq_rdkafka_load_error(void) {
    if (lakeq_rdkafka_handle()) return NULL;
    const char *why = dlerror();
    return why ? why : "librdkafka.so.1 could not be loaded";
}

/* `fn`: the real function, looked up once per wrapper (a benign race: every thread stores the same pointer). */
#define LAKEQ_RDKAFKA_RESOLVE(name)                                                              \
    static __typeof__(&lakeq_rdkafka_declared_##name) cached;                                    \
    __typeof__(&lakeq_rdkafka_declared_##name) fn = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);  \
    if (__builtin_expect(fn == NULL, 0)) {                                                       \
        fn = (__typeof__(fn))dlsym(lakeq_rdkafka_handle(), #name);                               \
        __atomic_store_n(&cached, fn, __ATOMIC_RELEASE);                                         \
    }

static inline void rd_kafka_CreateTopics(rd_kafka_t *rk, rd_kafka_NewTopic_t **new_topics, size_t new_topic_cnt, const rd_kafka_AdminOptions_t *options, rd_kafka_queue_t *rkqu) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_CreateTopics);
    fn(rk, new_topics, new_topic_cnt, options, rkqu);
}

static inline const rd_kafka_topic_result_t ** rd_kafka_CreateTopics_result_topics(const rd_kafka_CreateTopics_result_t *result, size_t *cntp) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_CreateTopics_result_topics);
    return fn(result, cntp);
}

static inline void rd_kafka_NewTopic_destroy(rd_kafka_NewTopic_t *new_topic) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_NewTopic_destroy);
    fn(new_topic);
}

static inline rd_kafka_NewTopic_t * rd_kafka_NewTopic_new(const char *topic, int num_partitions, int replication_factor, char *errstr, size_t errstr_size) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_NewTopic_new);
    return fn(topic, num_partitions, replication_factor, errstr, errstr_size);
}

static inline rd_kafka_resp_err_t rd_kafka_assign(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_assign);
    return fn(rk, partitions);
}

static inline rd_kafka_resp_err_t rd_kafka_assignment(rd_kafka_t *rk, rd_kafka_topic_partition_list_t **partitions) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_assignment);
    return fn(rk, partitions);
}

static inline rd_kafka_resp_err_t rd_kafka_commit(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets, int async) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_commit);
    return fn(rk, offsets, async);
}

static inline rd_kafka_resp_err_t rd_kafka_committed(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions, int timeout_ms) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_committed);
    return fn(rk, partitions, timeout_ms);
}

static inline void rd_kafka_conf_destroy(rd_kafka_conf_t *conf) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_conf_destroy);
    fn(conf);
}

static inline rd_kafka_conf_t * rd_kafka_conf_new(void) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_conf_new);
    return fn();
}

static inline rd_kafka_conf_res_t rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value, char *errstr, size_t errstr_size) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_conf_set);
    return fn(conf, name, value, errstr, errstr_size);
}

static inline void rd_kafka_conf_set_dr_msg_cb(rd_kafka_conf_t *conf, void (*dr_msg_cb)(rd_kafka_t *rk, const rd_kafka_message_t *rkmessage, void *opaque)) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_conf_set_dr_msg_cb);
    fn(conf, dr_msg_cb);
}

static inline void rd_kafka_conf_set_error_cb(rd_kafka_conf_t *conf, void (*error_cb)(rd_kafka_t *rk, int err, const char *reason, void *opaque)) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_conf_set_error_cb);
    fn(conf, error_cb);
}

static inline void rd_kafka_conf_set_log_cb(rd_kafka_conf_t *conf, void (*log_cb)(const rd_kafka_t *rk, int level, const char *fac, const char *buf)) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_conf_set_log_cb);
    fn(conf, log_cb);
}

static inline void rd_kafka_conf_set_opaque(rd_kafka_conf_t *conf, void *opaque) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_conf_set_opaque);
    fn(conf, opaque);
}

static inline void rd_kafka_conf_set_rebalance_cb(rd_kafka_conf_t *conf, void (*rebalance_cb)(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *partitions, void *opaque)) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_conf_set_rebalance_cb);
    fn(conf, rebalance_cb);
}

static inline ssize_t rd_kafka_consume_batch_queue(rd_kafka_queue_t *rkqu, int timeout_ms, rd_kafka_message_t **rkmessages, size_t rkmessages_size) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_consume_batch_queue);
    return fn(rkqu, timeout_ms, rkmessages, rkmessages_size);
}

static inline rd_kafka_resp_err_t rd_kafka_consumer_close(rd_kafka_t *rk) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_consumer_close);
    return fn(rk);
}

static inline void rd_kafka_destroy(rd_kafka_t *rk) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_destroy);
    fn(rk);
}

static inline const char * rd_kafka_err2str(rd_kafka_resp_err_t err) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_err2str);
    return fn(err);
}

static inline rd_kafka_resp_err_t rd_kafka_error_code(const rd_kafka_error_t *error) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_error_code);
    return fn(error);
}

static inline void rd_kafka_error_destroy(rd_kafka_error_t *error) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_error_destroy);
    fn(error);
}

static inline const char * rd_kafka_error_string(const rd_kafka_error_t *error) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_error_string);
    return fn(error);
}

static inline const rd_kafka_CreateTopics_result_t * rd_kafka_event_CreateTopics_result(rd_kafka_event_t *rkev) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_event_CreateTopics_result);
    return fn(rkev);
}

static inline void rd_kafka_event_destroy(rd_kafka_event_t *rkev) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_event_destroy);
    fn(rkev);
}

static inline rd_kafka_resp_err_t rd_kafka_event_error(rd_kafka_event_t *rkev) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_event_error);
    return fn(rkev);
}

static inline const char * rd_kafka_event_error_string(rd_kafka_event_t *rkev) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_event_error_string);
    return fn(rkev);
}

static inline rd_kafka_resp_err_t rd_kafka_flush(rd_kafka_t *rk, int timeout_ms) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_flush);
    return fn(rk, timeout_ms);
}

static inline rd_kafka_resp_err_t rd_kafka_get_watermark_offsets(rd_kafka_t *rk, const char *topic, int32_t partition, int64_t *low, int64_t *high) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_get_watermark_offsets);
    return fn(rk, topic, partition, low, high);
}

static inline rd_kafka_error_t * rd_kafka_incremental_assign(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_incremental_assign);
    return fn(rk, partitions);
}

static inline rd_kafka_error_t * rd_kafka_incremental_unassign(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_incremental_unassign);
    return fn(rk, partitions);
}

static inline rd_kafka_resp_err_t rd_kafka_last_error(void) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_last_error);
    return fn();
}

static inline void rd_kafka_message_destroy(rd_kafka_message_t *rkmessage) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_message_destroy);
    fn(rkmessage);
}

static inline int64_t rd_kafka_message_timestamp(const rd_kafka_message_t *rkmessage, rd_kafka_timestamp_type_t *tstype) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_message_timestamp);
    return fn(rkmessage, tstype);
}

static inline rd_kafka_resp_err_t rd_kafka_metadata(rd_kafka_t *rk, int all_topics, rd_kafka_topic_t *only_rkt, const struct rd_kafka_metadata **metadatap, int timeout_ms) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_metadata);
    return fn(rk, all_topics, only_rkt, metadatap, timeout_ms);
}

static inline void rd_kafka_metadata_destroy(const struct rd_kafka_metadata *metadata) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_metadata_destroy);
    fn(metadata);
}

static inline rd_kafka_t * rd_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, char *errstr, size_t errstr_size) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_new);
    return fn(type, conf, errstr, errstr_size);
}

static inline int rd_kafka_outq_len(rd_kafka_t *rk) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_outq_len);
    return fn(rk);
}

static inline int rd_kafka_poll(rd_kafka_t *rk, int timeout_ms) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_poll);
    return fn(rk, timeout_ms);
}

static inline rd_kafka_resp_err_t rd_kafka_poll_set_consumer(rd_kafka_t *rk) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_poll_set_consumer);
    return fn(rk);
}

static inline rd_kafka_resp_err_t rd_kafka_position(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_position);
    return fn(rk, partitions);
}

static inline int rd_kafka_produce(rd_kafka_topic_t *rkt, int32_t partition, int msgflags, void *payload, size_t len, const void *key, size_t keylen, void *msg_opaque) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_produce);
    return fn(rkt, partition, msgflags, payload, len, key, keylen, msg_opaque);
}

static inline rd_kafka_resp_err_t rd_kafka_query_watermark_offsets(rd_kafka_t *rk, const char *topic, int32_t partition, int64_t *low, int64_t *high, int timeout_ms) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_query_watermark_offsets);
    return fn(rk, topic, partition, low, high, timeout_ms);
}

static inline void rd_kafka_queue_destroy(rd_kafka_queue_t *rkqu) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_queue_destroy);
    fn(rkqu);
}

static inline rd_kafka_queue_t * rd_kafka_queue_get_consumer(rd_kafka_t *rk) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_queue_get_consumer);
    return fn(rk);
}

static inline rd_kafka_queue_t * rd_kafka_queue_new(rd_kafka_t *rk) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_queue_new);
    return fn(rk);
}

static inline rd_kafka_event_t * rd_kafka_queue_poll(rd_kafka_queue_t *rkqu, int timeout_ms) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_queue_poll);
    return fn(rkqu, timeout_ms);
}

static inline const char * rd_kafka_rebalance_protocol(rd_kafka_t *rk) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_rebalance_protocol);
    return fn(rk);
}

static inline rd_kafka_error_t * rd_kafka_seek_partitions(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions, int timeout_ms) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_seek_partitions);
    return fn(rk, partitions, timeout_ms);
}

static inline rd_kafka_resp_err_t rd_kafka_subscribe(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *topics) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_subscribe);
    return fn(rk, topics);
}

static inline void rd_kafka_topic_destroy(rd_kafka_topic_t *rkt) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_topic_destroy);
    fn(rkt);
}

static inline const char * rd_kafka_topic_name(const rd_kafka_topic_t *rkt) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_topic_name);
    return fn(rkt);
}

static inline rd_kafka_topic_t * rd_kafka_topic_new(rd_kafka_t *rk, const char *topic, rd_kafka_topic_conf_t *conf) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_topic_new);
    return fn(rk, topic, conf);
}

static inline rd_kafka_topic_partition_t * rd_kafka_topic_partition_list_add(rd_kafka_topic_partition_list_t *rktparlist, const char *topic, int32_t partition) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_topic_partition_list_add);
    return fn(rktparlist, topic, partition);
}

static inline void rd_kafka_topic_partition_list_destroy(rd_kafka_topic_partition_list_t *rkparlist) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_topic_partition_list_destroy);
    fn(rkparlist);
}

static inline rd_kafka_topic_partition_list_t * rd_kafka_topic_partition_list_new(int size) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_topic_partition_list_new);
    return fn(size);
}

static inline rd_kafka_resp_err_t rd_kafka_topic_result_error(const rd_kafka_topic_result_t *topicres) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_topic_result_error);
    return fn(topicres);
}

static inline const char * rd_kafka_topic_result_error_string(const rd_kafka_topic_result_t *topicres) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_topic_result_error_string);
    return fn(topicres);
}

static inline const char * rd_kafka_version_str(void) {
    LAKEQ_RDKAFKA_RESOLVE(rd_kafka_version_str);
    return fn();
}

#endif
