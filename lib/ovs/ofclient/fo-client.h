/* An OpenFlow client over libopenvswitch's vconn (OpenFlow 1.3): the
 * changes ovs-ofctl makes, over one connection, each acknowledged by a
 * barrier. Plain C API (no OVS types), wrapped by lib/ovs/of_client.h. */
#ifndef FERRY_LIB_OVS_OFCLIENT_FO_CLIENT_H
#define FERRY_LIB_OVS_OFCLIENT_FO_CLIENT_H 1

#ifdef __cplusplus
extern "C" {
#endif

struct fo_client;

/* Connects to 'target' (a vconn name: "unix:PATH", "tcp:IP:PORT") within
 * 'timeout_ms' and reads the switch's port names. Returns 0, or an errno
 * with '*errp' a malloc()'d message. */
int fo_client_open(const char* target, int timeout_ms, struct fo_client** cp, char** errp);
void fo_client_close(struct fo_client*);

/* One change in ovs-ofctl's syntax: 'command' is add-flow, mod-flows,
 * del-flows, add-meter, mod-meter or del-meter; 'strict' makes mod-flows and
 * del-flows strict. Port names in 'spec' are the switch's. Returns 0 once
 * the switch's barrier reply arrived; EINVAL for a spec that does not parse,
 * EPROTO for an OpenFlow error reply (named in '*errp'), ETIMEDOUT when no
 * reply came within 'timeout_ms', another errno when the connection
 * failed. */
int fo_client_change(struct fo_client*, const char* command, const char* spec, int strict,
                     int timeout_ms, char** errp);

/* Round trip of an echo request: 0 while the switch answers. */
int fo_client_echo(struct fo_client*, int timeout_ms, char** errp);

#ifdef __cplusplus
}
#endif

#endif /* FERRY_LIB_OVS_OFCLIENT_FO_CLIENT_H */
