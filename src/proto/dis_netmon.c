/*
 * dis_netmon.c - NetMon's own frames that carry no network packet
 * (Network Monitor 3.x capture files, NetMon 2.1+ per-frame media types;
 * spec 7.3): ETW event records, the capture filter string, network-info
 * records and the rest.  They are recognised and named as Wireshark names
 * them, so that protocol counts line up; their contents are not parsed.
 * netmon_header is the wrapper tshark shows in front of the link layer of
 * a frame that carries a NetMon 2.2+ comment (nmx_frame_ctx_t's
 * netmon_comment; dissect.c pushes it): a layer without bytes or fields.
 */
#include "common/linktype.h"
#include "proto/proto_int.h"

NMX_PROTOCOL_NOFIELDS(nmx__p_netmon_header, NMX_PROTO_NETMON_HEADER, "netmon_header", "NETMON_HEADER", NULL, "Network Monitor Header");
NMX_PROTOCOL_NOFIELDS(nmx__p_netmon_event, NMX_PROTO_NETMON_EVENT, "netmon_event", "NETEVENT", NULL, "Network Monitor Event");
NMX_PROTOCOL_NOFIELDS(nmx__p_netmon_filter, NMX_PROTO_NETMON_FILTER, "netmon_filter", "NETMON_FILTER", NULL, "Network Monitor Filter");
NMX_PROTOCOL_NOFIELDS(nmx__p_netmon_netinfo, NMX_PROTO_NETMON_NETINFO, "netmon_network_info", "NETWORKINFO", NULL, "Network Monitor Network Info");
NMX_PROTOCOL_NOFIELDS(nmx__p_netmon_other, NMX_PROTO_NETMON_OTHER, "netmon", "NETMON", NULL, "Network Monitor special frame");

void nmx__dis_netmon(nmx_dctx_t *d, nmx_cursor_t c, uint32_t linktype)
{
    unsigned id;
    switch (linktype) {
    case NMX_LINK_NETMON_EVENT:
        id = NMX_PROTO_NETMON_EVENT;
        break;
    case NMX_LINK_NETMON_FILTER:
        id = NMX_PROTO_NETMON_FILTER;
        break;
    case NMX_LINK_NETMON_NETINFO:
    case NMX_LINK_NETMON_NETINFO_EX:
        id = NMX_PROTO_NETMON_NETINFO;
        break;
    default:
        id = NMX_PROTO_NETMON_OTHER;
        break;
    }
    nmx__push_layer(d, id, nmx__off(&c));
}
