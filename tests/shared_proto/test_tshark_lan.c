/*
 * test_tshark_lan.c - hand-built frames of NetMon's own era against
 * tshark: Token Ring (link type 6: source routing with RIFs of 2 to 18
 * bytes, LLC, IPX over LLC, MAC frames with their subvectors, frames cut
 * short) and Novell IPX over Ethernet II, 802.3 with LLC, SNAP and "raw"
 * 802.3, with SPX and SPX II on top, each also cut short; and the NetBIOS
 * Frames protocol (NetBEUI) on LLC, every command; and NCP headers over
 * IPX socket 0x0451 and TCP port 524, burst mode included; and NBSS
 * segments holding several messages (each an nbss item of tshark's, after
 * the previous one's SMB); and Ethernet frames too short for their
 * header, alone and inside GRE.  Every property
 * of tr, trmac, ipx, spx, netbios, llc, eth, ip and udp, frame by frame, and the
 * io,phs counts (what protdist counts) must be tshark's; the counts of the
 * new protocols are asserted, so that a protocol neither side recognises
 * cannot pass unnoticed.  The sockets are ones tshark has no dissector for
 * (docs/protocols.md: SAP, RIP, NetBIOS over IPX... are not parsed).
 *
 * Skipped when tshark is not installed.  The temporary directory is removed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../nmx_skip.h"
#include "../unit/proto/frames.h"
#include "proto/proto.h"
#include "tshark_util.h"

static const char *const tr_frames[] = {
    /* LLC SNAP IPv4/UDP, no RIF */
    "1040c00000000001000011223344aaaa0300000008004500001c000100004011000008080808c0a800013039303a0008"
    "0000",
    /* RIF of 8 bytes: three rings, two bridges */
    "1040c000000000018000112233440830001100220030aaaa0300000008004500001c000100004011000008080808c0a8"
    "00013039303a00080000",
    /* RIF of 2 bytes, all-routes broadcast, direction set */
    "f541c0000000000280aabbccddee82b0aaaa0300000008004500001c000100004011000008080808c0a800013039303a"
    "00080000",
    /* RIF of 18 bytes (eight rings) */
    "1040c00000000003800011223344727000110022003300440055006600770080aaaa0300000008004500001c00010000"
    "4011000008080808c0a800013039303a00080000",
    /* LLC SAP E0: IPX */
    "1040c00000000004000011223344e0e003ffff0022000400000001ffffffffffff5000000000020000c0a80101500301"
    "020304",
    /* MAC frame: a subvector */
    "1000c00000000005000011223344000a0305060600020000",
    /* MAC frame: two subvectors, the second cut short */
    "1000c00000000006000011223344001000020402aabb0802",
    /* MAC frame cut at 3 bytes */
    "1000c00000000007000011223344000a03",
    /* header cut at 10 bytes */
    "1040c0000000000800001122",
    /* RIF of 10 bytes, frame ends after 4 */
    "1040c000000000098000112233440a300011",
    /* frame type 2 (reserved): nothing after */
    "1080c0000000000a000011223344aaaa0300000008004500001c000100004011000008080808c0a800013039303a0008"
    "0000",
};

static const char *const ipx_frames[] = {
    /* Ethernet II: IPX, packet type 4 */
    "ffffffffffff0000112233018137ffff0022000400000001ffffffffffff5000000000020000c0a80101500301020304",
    /* 802.3 LLC SAP E0: IPX */
    "ffffffffffff0000112233020025e0e003ffff0022000400000001ffffffffffff5000000000020000c0a80101500301"
    "020304",
    /* SNAP 0x8137: IPX */
    "ffffffffffff000011223303002aaaaa030000008137ffff0022000400000001ffffffffffff5000000000020000c0a8"
    "0101500301020304",
    /* raw 802.3: IPX with checksum 0xFFFF and no LLC */
    "ffffffffffff0000112233040022ffff0022000400000001ffffffffffff5000000000020000c0a80101500301020304",
    /* raw 802.3 padded: the 802.3 length bounds IPX */
    "ffffffffffff0000112233050022ffff0022000400000001ffffffffffff5000000000020000c0a80101500301020304"
    "000000000000000000000000",
    /* IPX length shorter than the payload, 3 hops, another network */
    "ffffffffffff0000112233068137ffff00200300abcdef010123456789ab5004000000020000c0a801015005aabbccdd",
    /* SPX: system packet */
    "ffffffffffff0000112233078137ffff002a000500000001ffffffffffff5001000000020000c0a80101500280001134"
    "567800010002000a",
    /* SPX with data, send-ack */
    "ffffffffffff0000112233088137ffff002c000500000001ffffffffffff5001000000020000c0a801015002c0001234"
    "567800010002000aabcd",
    /* SPX cut at 8 bytes */
    "ffffffffffff0000112233098137ffff0026000500000001ffffffffffff5001000000020000c0a80101500280001334"
    "56780001",
    /* SPX II negotiating a size */
    "ffffffffffff00001122330a8137ffff002c000500000001ffffffffffff5001000000020000c0a8010150020c001434"
    "567800010002000a0240",
    /* SPX II without negotiation, end of message and attention */
    "ffffffffffff00001122330b8137ffff002a000500000001ffffffffffff5001000000020000c0a80101500239001534"
    "56780001000200ff",
    /* IPX cut at 20 bytes */
    "ffffffffffff00001122330c8137ffff0022000400000001ffffffffffff50000000",
};

/* NetBIOS Frames (NBF) on 802.3 LLC SAP 0xF0: every command, UI frames for
 * names and datagrams, I frames for sessions, SMB in a datagram and in a
 * Data Only Last frame, the extra LLC byte, commands tshark does not know,
 * and frames cut short. */
static const char *const nbf_frames[] = {
    /* Add Name Query */
    "0300000000010000112233aa002ff0f0032c00ffef010000000000341200000000000000000000000000000000574f52"
    "4b53544154494f4e3120202000",
    /* Add Group Name Query */
    "0300000000010000112233aa002ff0f0032c00ffef000000000000010000000000000000000000000000000000574f52"
    "4b47524f55502020202020201e",
    /* Name In Conflict */
    "0300000000010000112233aa002ff0f0032c00ffef0200000000000000445550202020202020202020202020204f5448"
    "45520158202020202020202003",
    /* Status Query */
    "0300000000010000112233aa002ff0f0032c00ffef030100040000aa5553455256455220202020202020202020434c49"
    "454e5420202020202020202000",
    /* Status Query 2.1 */
    "0300000000010000112233aa002ff0f0032c00ffef030700000000000053455256455220202020202020202020434c49"
    "454e5420202020202020202000",
    /* Terminate Trace */
    "0300000000010000112233aa002ff0f0032c00ffef070000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000",
    /* Datagram */
    "0300000000010000112233aa0034f0f0032c00ffef080000000000000053455256455220202020202020202020434c49"
    "454e542020202020202020200068656c6c6f",
    /* Datagram MAC sender */
    "0300000000010000112233aa002ff0f0032c00ffef080000000000000053455256455220202020202020202020000000"
    "000000000000000000112233aa",
    /* Broadcast Datagram */
    "0300000000010000112233aa0052f0f0032c00ffef090000000000000000000000000000000000000000000000434c49"
    "454e5420202020202020202000ff534d427200000000180128000000000000000000000000fffe000000000000000000",
    /* Broadcast Datagram MAC */
    "0300000000010000112233aa002ff0f0032c00ffef090000000000000000000000000000000000000000000000000000"
    "000000000000000000112233aa",
    /* Name Query find */
    "0300000000010000112233aa002ff0f0032c00ffef0a0000000000214353455256455220202020202020202020000000"
    "00000000000000000000000000",
    /* Name Query session */
    "0300000000010000112233aa002ff0f0032c00ffef0a0005000000214353455256455220202020202020202020434c49"
    "454e5420202020202020202000",
    /* Add Name Response */
    "0300000000010000112233aa002ff0f0032c00ffef0d01010034120000574f524b53544154494f4e3120202000574f52"
    "4b53544154494f4e3120202000",
    /* Name Recognized none */
    "0300000000010000112233aa002ff0f0032c00ffef0e00000021430000434c49454e5420202020202020202000000000"
    "00000000000000000000000000",
    /* Name Recognized FF */
    "0300000000010000112233aa002ff0f0032c00ffef0e00ff0021430000434c49454e5420202020202020202000000000"
    "00000000000000000000000000",
    /* Name Recognized session */
    "0300000000010000112233aa002ff0f0032c00ffef0e00070121430200434c49454e5420202020202020202000534552"
    "56455220202020202020202020",
    /* Status Response */
    "0300000000010000112233aa0035f0f0032c00ffef0f0023c1aa550000434c49454e5420202020202020202000534552"
    "56455220202020202020202020000000000000",
    /* Status Response 2.1 */
    "0300000000010000112233aa002ff0f0032c00ffef0f03100000000000434c49454e5420202020202020202000534552"
    "56455220202020202020202020",
    /* Session Initialize */
    "0300000000010000112233aa0012f0f000020e00ffef198b0010030004000507",
    /* Session Confirm */
    "0300000000010000112233aa0012f0f000020e00ffef17810008040005000705",
    /* Data Only Last SMB */
    "0300000000010000112233aa0035f0f000020e00ffef16060100000006000507ff534d42720000000018012800000000"
    "0000000000000000fffe000000000000000000",
    /* Data First Middle */
    "0300000000010000112233aa0035f0f000020e00ffef150b0000000000000507ff534d42720000000018012800000000"
    "0000000000000000fffe000000000000000000",
    /* Data Ack */
    "0300000000010000112233aa0012f0f000020e00ffef14000000060000000705",
    /* Session End */
    "0300000000010000112233aa0012f0f000020e00ffef18000100000000000507",
    /* No Receive */
    "0300000000010000112233aa0012f0f000020e00ffef1a020001000000000507",
    /* Receive Outstanding */
    "0300000000010000112233aa0012f0f000020e00ffef1b000002000000000507",
    /* Receive Continue */
    "0300000000010000112233aa0012f0f000020e00ffef1c000000090000000507",
    /* Session Alive */
    "0300000000010000112233aa0012f0f000020e00ffef1f000000000000000507",
    /* Unknown 0x04 */
    "0300000000010000112233aa002ff0f0032c00ffef040000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000",
    /* Command 0x20 */
    "0300000000010000112233aa002ff0f0032c00ffef200000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000",
    /* Command 0x33 */
    "0300000000010000112233aa002ff0f0032c00ffef330000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000",
    /* Extra LLC byte */
    "0300000000010000112233aa0030f0f003002c00ffef0100000000003412000000000000000000000000000000004558"
    "5452412020202020202020202000",
    /* No delimiter */
    "0300000000010000112233aa000bf0f0032c00000001000000",
    /* Cut in the sender name */
    "0300000000010000112233aa0027f0f0032c00ffef030000000000000053455256455220202020202020202020434c49"
    "454e542020",
    /* Cut in the header */
    "0300000000010000112233aa000df0f000020e00ffef1600000000",
    /* Name with a space only */
    "0300000000010000112233aa002ff0f0032c00ffef010000000000000000000000000000000000000000000000202020"
    "20202020202020202020202000",
    /* Name with trailing spaces and a tab */
    "0300000000010000112233aa002ff0f0032c00ffef010000000000000000000000000000000000000000000000410942"
    "20202020202020202020202020",
};

static const char *const ncp_frames[] = {
    /* create service connection, connection high byte 0xff */
    "0011223344550000c0a801018137ffff00250011000000010011223344550451000000020000c0a80101400311110000"
    "00ff00",
    /* create service connection with 2 more bytes */
    "0011223344550000c0a801018137ffff00260011000000010011223344550451000000020000c0a80101400311110102"
    "03040506",
    /* request: function 23, subfunction 3 */
    "0011223344550000c0a801018137ffff00290011000000010011223344550451000000020000c0a80101400322220105"
    "02001701020304",
    /* reply to it */
    "0011223344550000c0a801018137ffff00260011000000010011223344550451000000020000c0a80101400333330105"
    "02000000",
    /* reply with no request: failure, bad connection */
    "0011223344550000c0a801018137ffff00260011000000010011223344550451000000020000c0a80101400333330705"
    "0200ff01",
    /* destroy service connection */
    "0011223344550000c0a801018137ffff00260011000000010011223344550451000000020000c0a80101400355550205"
    "02000000",
    /* request being processed (0x9999) */
    "0011223344550000c0a801018137ffff00260011000000010011223344550451000000020000c0a80101400399990305"
    "02000000",
    /* NCP of 2 bytes */
    "0011223344550000c0a801018137ffff00200011000000010011223344550451000000020000c0a8010140032222",
    /* NCP cut at 5 bytes */
    "0011223344550000c0a801018137ffff00230011000000010011223344550451000000020000c0a80101400322220105"
    "02",
    /* request of 6 bytes: the header only */
    "0011223344550000c0a801018137ffff00240011000000010011223344550451000000020000c0a80101400322220105"
    "0203",
    /* reply of 6 bytes */
    "0011223344550000c0a801018137ffff00240011000000010011223344550451000000020000c0a8010140033333090a"
    "0b0c",
    /* reply of 7 bytes: no connection status */
    "0011223344550000c0a801018137ffff00250011000000010011223344550451000000020000c0a8010140033333090a"
    "0b0c0d",
    /* unknown type 0x4444 */
    "0011223344550000c0a801018137ffff00260011000000010011223344550451000000020000c0a80101400344440105"
    "02000000",
    /* burst mode, 6 bytes: flags and stream type */
    "0011223344550000c0a801018137ffff00240011000000010011223344550451000000020000c0a80101400377771002"
    "0000",
    /* burst mode cut in the delay time */
    "0011223344550000c0a801018137ffff00330011000000010011223344550451000000020000c0a80101400377771002"
    "0000000100000002000000030000000400",
    /* burst mode: end of burst, 8 bytes of data */
    "0011223344550000c0a801018137ffff004a0011000000010011223344550451000000020000c0a80101400377771002"
    "00000001000000020000000300000004000500060000010000000010000800000000000100000002",
    /* burst mode: every flag, a byte after the header */
    "0011223344550000c0a801018137ffff00430011000000010011223344550451000000020000c0a8010140037777dc02"
    "000000010000000200000003000000040005000600000100000000000000000001",
    /* socket 0x0451 with no payload: NCP all the same */
    "0011223344550000c0a801018137ffff001e0011000000010011223344550451000000020000c0a801014003",
    /* IPX type 4, source socket 0x0451 */
    "0011223344550000c0a801018137ffff00290004000000010011223344554003000000020000c0a80101045122220105"
    "02001701020304",
    /* IPX type 5 (SPX) on socket 0x0451: NCP, not SPX */
    "0011223344550000c0a801018137ffff00260005000000010011223344550451000000020000c0a80101400399990305"
    "02000000",
    /* socket 0x0452 (SAP): not NCP */
    "0011223344550000c0a801018137ffff00290011000000010011223344550452000000020000c0a80101400322220105"
    "02001701020304",
    /* TCP 524 request, DmdT with version and reply buffer size */
    "0011223344550000c0a8010108004500004100010000400600000a0000010a0000024001020c00000001000000005018"
    "200000000000446d6454000000180000000100000400222201050200180000",
    /* TCP 524 reply, tNcP */
    "0011223344550000c0a8010108004500003a00010000400600000a0000010a000002020c400200000001000000005018"
    "200000000000744e63500000001233330105020000000000",
    /* TCP 524: 7 bytes, no NCP-over-IP length */
    "0011223344550000c0a8010108004500002f00010000400600000a0000010a0000024003020c00000001000000005018"
    "200000000000446d6454000000",
    /* TCP 524 request cut after its length */
    "0011223344550000c0a8010108004500003200010000400600000a0000010a0000024004020c00000001000000005018"
    "200000000000446d6454000000200000",
    /* TCP 524 reply cut after the header */
    "0011223344550000c0a8010108004500003600010000400600000a0000010a000002020c400600000001000000005018"
    "200000000000744e635000000010333301050200",
    /* TCP 524 reply cut in the connection status */
    "0011223344550000c0a8010108004500003900010000400600000a0000010a000002020c400700000001000000005018"
    "200000000000744e63500000001233330105020000ff01",
};

#define N_TR (sizeof(tr_frames) / sizeof(tr_frames[0]))
#define N_NBF (sizeof(nbf_frames) / sizeof(nbf_frames[0]))
#define N_IPX (sizeof(ipx_frames) / sizeof(ipx_frames[0]))

static const char *const protos[] = {"tr", "trmac", "ipx", "spx", "llc", "eth", "ip", "udp"};
#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

static size_t tr_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 1024 ? fr_hex(b, 0, tr_frames[i]) : 0;
}

static size_t ipx_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 1024 ? fr_hex(b, 0, ipx_frames[i]) : 0;
}

static size_t nbf_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 1024 ? fr_hex(b, 0, nbf_frames[i]) : 0;
}

#define N_NCP (sizeof(ncp_frames) / sizeof(ncp_frames[0]))

static size_t ncp_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 1024 ? fr_hex(b, 0, ncp_frames[i]) : 0;
}

/* TCP segments of several NBSS messages: two SMB on 445, two SMB2, a
 * message without SMB then one with it on 139, SMB then two messages with
 * headers tshark's first-message test would refuse, and a segment whose
 * first header is refused (a continuation: one nbss item); then how tshark
 * reads the length of a header after the first on port 445. */
static const char *const nbss_frames[] = {
    "0011223344550066778899aa080045000076000100004006667f0a0000010a0000029c4001bd000003e8000000005018"
    "ffff0000000000000023ff534d4272000000000000000000000000000000000000000000000000000000000000000000"
    "23ff534d4272000000000000000000000000000000000000000000000000000000000000",
    "0011223344550066778899aa0800450000f800010000400665fd0a0000010a0000029c4101bd000003e8000000005018"
    "ffff0000000000000064fe534d4240000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000024000000000000000000000000000000000000000000"
    "000000000000000000000000000000000064fe534d424000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000002400000000000000000000000000"
    "00000000000000000000000000000000000000000000",
    "0011223344550066778899aa08004500005e00010000400666970a0000010a0000029c42008b000003e8000000005018"
    "ffff000000000000000b68656c6c6f20776f726c6400000023ff534d4272000000000000000000000000000000000000"
    "000000000000000000000000",
    "0011223344550066778899aa080045000057000100004006669e0a0000010a0000029c43008b000003e8000000005018"
    "ffff0000000000000023ff534d4272000000000000000000000000000000000000000000000000000000000000230000"
    "005901ffff",
    "0011223344550066778899aa08004500005300010000400666a20a0000010a0000029c44008b000003e8000000005018"
    "ffff000000002300000000000023ff534d42720000000000000000000000000000000000000000000000000000000000"
    "00",    /* then on 445 a message without SMB and a header with bit 0 of its flags set (read as 139's: 17 bits) */
    "0011223344550066778899aa08004500004800010000400666ad0a0000010a0000029c5401bd000003e8000000005018"
    "ffff000000000000000461626364004939007878787878787878787878787878787878787878",
    /* SMB, then the same header (24 bits) */
    "0011223344550066778899aa080045000067000100004006668e0a0000010a0000029c5501bd000003e8000000005018"
    "ffff0000000000000023ff534d4272000000000000000000000000000000000000000000000000000000000000004939"
    "007878787878787878787878787878787878787878",
    /* SMB2, then it (24 bits) */
    "0011223344550066778899aa0800450000a8000100004006664d0a0000010a0000029c5601bd000003e8000000005018"
    "ffff0000000000000064fe534d4240000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000024000000000000000000000000000000000000000000"
    "0000000000000000000000000000004939007878787878787878787878787878787878787878",
    /* a keep-alive, then it (17 bits) */
    "0011223344550066778899aa08004500004400010000400666b10a0000010a0000029c5701bd000003e8000000005018"
    "ffff0000000085000000004939007878787878787878787878787878787878787878",
    /* a message without SMB, SMB, then it (17 bits) */
    "0011223344550066778899aa08004500006f00010000400666860a0000010a0000029c5801bd000003e8000000005018"
    "ffff00000000000000046162636400000023ff534d427200000000000000000000000000000000000000000000000000"
    "0000000000004939007878787878787878787878787878787878787878",
    /* a 2-byte message, then it */
    "0011223344550066778899aa08004500004600010000400666af0a0000010a0000029c5901bd000003e8000000005018"
    "ffff00000000000000026162004939007878787878787878787878787878787878787878",
    /* 4 bytes that are not SMB's, then it */
    "0011223344550066778899aa08004500004800010000400666ad0a0000010a0000029c5a01bd000003e8000000005018"
    "ffff0000000000000004ff534d00004939007878787878787878787878787878787878787878",
    /* a message without SMB, then it, on 139 */
    "0011223344550066778899aa08004500004800010000400666ad0a0000010a0000029c5b008b000003e8000000005018"
    "ffff000000000000000461626364004939007878787878787878787878787878787878787878",
};
#define N_NBSS (sizeof(nbss_frames) / sizeof(nbss_frames[0]))

static size_t nbss_bytes(size_t i, uint8_t *b, size_t cap)
{
    return cap >= 1024 ? fr_hex(b, 0, nbss_frames[i]) : 0;
}

/* frame.protocols of the third frame and of the last eight names tshark's
 * data, a protocol we do not have. */
static bool nbss_skip(uint32_t frame, const char *key)
{
    return (frame == 2 || frame >= 5) && strcmp(key, "frame.protocols") == 0;
}

static void test_nbss_messages(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    const char *path = tsu_tmp_file("nbss.pcap");
    assert_non_null(path);
    assert_true(tsu_write_pcap(path, N_NBSS, nbss_bytes));
    static const char *const nbss_protos[] = {"nbss", "smb", "smb2", "tcp"};
    unsigned theirs[256] = {0};
    size_t nf = 0;
    /* Without reassembly, as the parser layer works: tshark would hold the
     * fourth frame's last message back for the rest of its length.  With
     * frame.protocols, which names nbss once per segment (one call). */
    size_t differ = tsu_compare_built(path, N_NBSS, nbss_protos, 4, true, nbss_skip, theirs, &nf);
    assert_true(differ != (size_t)-1);
    printf("tshark agreement (hand-built NBSS messages): %zu frames x %zu fields, %zu differences\n", N_NBSS, nf,
           differ);
    /* io,phs: nbss 2 + 2 + 2 + 3 + 1 items, then 2 in each of the last
     * eight but one with 3; smb 2 + 1 + 1, then 2; smb2 2, then 1. */
    assert_int_equal(theirs[NMX_PROTO_NBSS], 27);
    assert_int_equal(theirs[NMX_PROTO_SMB], 6);
    assert_int_equal(theirs[NMX_PROTO_SMB2], 3);
    assert_int_equal(differ, 0);
}

static void test_ncp(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    static const char *const ncp_protos[] = {"ncp", "ipx", "spx", "eth", "ip", "tcp"};
    /* NCP in every IPX frame but the SAP one (the cut ones too) and in the
     * TCP ones with their 8 bytes of NCP-over-IP header; no SPX (the
     * socket comes first); no reassembly of the cut TCP ones. */
    static const tsu_count_t want[] = {{"ncp", 25}, {"ipx", 21}, {"spx", 0}, {"tcp", 6}};
    size_t differ = tsu_check_built("NCP", N_NCP, ncp_bytes, ncp_protos, 6, want, sizeof want / sizeof want[0]);
    assert_int_equal(differ, 0);
}

static void test_nbf(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    static const char *const nbf_protos[] = {"netbios", "llc", "smb", "eth"};
    /* NetBIOS in every frame but the one without its delimiter (the one
     * cut in the header included), SMB in the broadcast datagram and the
     * Data Only Last frame (not in the Data First Middle one: tshark
     * reassembles). */
    static const tsu_count_t want[] = {{"netbios", 36}, {"llc", 37}, {"smb", 2}};
    assert_int_equal(tsu_check_built("NetBIOS Frames", N_NBF, nbf_bytes, nbf_protos, 4, want,
                                     sizeof want / sizeof want[0]),
                     0);
}

static void test_token_ring(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    /* Every frame but the one cut in its header; MAC frames in three, LLC
     * in the five whose RIF (if any) is whole and whose type is 1. */
    static const tsu_count_t want[] = {{"tr", 10}, {"trmac", 3}, {"ipx", 1}, {"llc", 5}};
    assert_int_equal(tsu_check_built_lt("Token Ring", 6, N_TR, tr_bytes, protos, NPROTOS, want,
                                        sizeof want / sizeof want[0]),
                     0);
}

static void test_ipx_spx(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    /* IPX in all but the frame cut at 20 bytes, SPX in five, LLC in the two
     * framings that have it (802.3 with LLC, SNAP). */
    static const tsu_count_t want[] = {{"ipx", 11}, {"spx", 5}, {"llc", 2}};
    assert_int_equal(tsu_check_built_lt("IPX and SPX", 1, N_IPX, ipx_bytes, protos, NPROTOS, want,
                                        sizeof want / sizeof want[0]),
                     0);
}

/* Ethernet frames too short for the header: tshark 4.0 adds no eth item
 * (io,phs counts _ws.malformed, -Y eth does not match), outside or inside
 * GRE (transparent Ethernet bridging). */
static const char *const short_eth_frames[] = {
    "002688e78d81a820",
    "002688e78d81a820 0011223344",
    "00",
    "002688e78d81a820 001122334455 88b5",
    "001122334455 66778899aabb 0800 4500 0020 0001 0000 402f 0000 0a000001 0a000002 0000 6558 002688e78d81a820",
    "001122334455 66778899aabb 0800 4500 0025 0001 0000 402f 0000 0a000001 0a000002 0000 6558 002688e78d81a820 0011223344",
    "001122334455 66778899aabb 0800 4500 0028 0001 0000 402f 0000 0a000001 0a000002 0000 6558 002688e78d81a820 001122334455 88b5",
};
#define N_SHORT_ETH (sizeof(short_eth_frames) / sizeof(short_eth_frames[0]))

static void test_short_ethernet(void **state)
{
    (void)state;
    if (!tsu_have_tshark()) {
        NMX_SKIP();
        return;
    }
    static const char *const eth_protos[] = {"eth", "ip", "gre"};
    /* the 14-byte frame, the three GRE frames, and the whole frame in GRE */
    static const tsu_count_t want[] = {{"eth", 5}, {"gre", 3}};
    assert_int_equal(tsu_check_hex("short Ethernet", short_eth_frames, N_SHORT_ETH, eth_protos, 3, want,
                                   sizeof want / sizeof want[0]),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_token_ring, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_ipx_spx, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_nbf, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_ncp, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_nbss_messages, tsu_tmp_remove),
        cmocka_unit_test_teardown(test_short_ethernet, tsu_tmp_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
