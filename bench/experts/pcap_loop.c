/*
 * pcap_loop.c - the reference Protocol Distribution is measured against: a
 * bare libpcap loop that opens a capture, reads every frame with
 * pcap_next_ex and closes it.  It adds up the frames and their on-the-wire
 * lengths (so that the loop cannot be optimised away and the result can be
 * checked against protdist's) and prints them with libpcap's version.
 *
 * usage: bench_pcap_loop CAPTURE
 */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CAPTURE\n", argv[0]);
        return 2;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (p == NULL) {
        fprintf(stderr, "%s: %s\n", argv[1], errbuf);
        return 1;
    }
    struct pcap_pkthdr *hdr;
    const u_char *data;
    unsigned long long frames = 0, bytes = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
        frames++;
        bytes += hdr->len;
    }
    if (rc == PCAP_ERROR)
        fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(p));
    pcap_close(p);
    printf("%llu frames, %llu bytes (%s)\n", frames, bytes, pcap_lib_version());
    return rc == PCAP_ERROR ? 1 : 0;
}
