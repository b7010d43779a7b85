/*
 * proto_list.h - the built-in protocols, one line each, in id order.
 *
 * NMX_PROTO_X(ID, var) gives the protocol the id NMX_PROTO_<ID> (its
 * NetMon ProtocolID and RECOGNIZEDATA.ProtocolID, which experts see, so the
 * order is fixed: append only) and names its registry entry nmx__p_<var>,
 * defined with NMX_PROTOCOL() by the protocol's dis_*.c file.  That file
 * also declares, in data, which parents hand off to it (NMX_HANDOFFS).
 * Adding a protocol is its file plus one line here.
 *
 * Included by proto.h (the enum), proto_int.h (the externs) and registry.c
 * (the table); it has no include guard on purpose.
 */
NMX_PROTO_X(FRAME, frame)          /* "frame"    NetMon FRAME: the whole captured frame */
NMX_PROTO_X(ETH, eth)              /* "eth"      Ethernet II and 802.3 */
NMX_PROTO_X(LLC, llc)              /* "llc"      802.2 LLC (and SNAP) */
NMX_PROTO_X(VLAN, vlan)            /* "vlan"     802.1Q / 802.1ad tag */
NMX_PROTO_X(SLL, sll)              /* "sll"      Linux cooked capture v1 and v2 */
NMX_PROTO_X(NULL, null)            /* "null"     BSD loopback */
NMX_PROTO_X(RAW, raw)              /* "raw"      raw IP link type */
NMX_PROTO_X(RADIOTAP, radiotap)    /* "radiotap" radiotap header */
NMX_PROTO_X(WLAN, wlan)            /* "wlan"     IEEE 802.11 MAC header */
NMX_PROTO_X(FDDI, fddi)            /* "fddi"     FDDI MAC header */
NMX_PROTO_X(ARP, arp)              /* "arp" */
NMX_PROTO_X(IP, ip)                /* "ip"       IPv4 */
NMX_PROTO_X(IPV6, ipv6)            /* "ipv6" */
NMX_PROTO_X(ICMP, icmp)            /* "icmp" */
NMX_PROTO_X(ICMPV6, icmpv6)        /* "icmpv6" */
NMX_PROTO_X(IGMP, igmp)            /* "igmp" */
NMX_PROTO_X(TCP, tcp)              /* "tcp" */
NMX_PROTO_X(UDP, udp)              /* "udp" */
NMX_PROTO_X(DNS, dns)              /* "dns"      port 53 */
NMX_PROTO_X(MDNS, mdns)            /* "mdns"     DNS on port 5353 (dns.* fields) */
NMX_PROTO_X(LLMNR, llmnr)          /* "llmnr"    DNS on port 5355 (dns.* fields) */
NMX_PROTO_X(HTTP, http)            /* "http" */
NMX_PROTO_X(SSDP, ssdp)            /* "ssdp"     HTTP over UDP 1900 (http.* fields) */
NMX_PROTO_X(NBNS, nbns)            /* "nbns" */
NMX_PROTO_X(NBDGM, nbdgm)          /* "nbdgm" */
NMX_PROTO_X(NBSS, nbss)            /* "nbss" */
NMX_PROTO_X(SMB, smb)              /* "smb" */
NMX_PROTO_X(SMB2, smb2)            /* "smb2" */
NMX_PROTO_X(DHCP, dhcp)            /* "dhcp" */
NMX_PROTO_X(TLS, tls)              /* "tls" */
NMX_PROTO_X(TEREDO, teredo)        /* "teredo"   IPv6 over UDP 3544 */
NMX_PROTO_X(GTP, gtp)              /* "gtp"      GTP-U, IP over UDP 2152 */
NMX_PROTO_X(NETMON_HEADER, netmon_header)   /* "netmon_header"  capture-header annotation */
NMX_PROTO_X(NETMON_EVENT, netmon_event)     /* "netmon_event"   ETW event record */
NMX_PROTO_X(NETMON_FILTER, netmon_filter)   /* "netmon_filter"  capture filter string */
NMX_PROTO_X(NETMON_NETINFO, netmon_netinfo) /* "netmon_network_info" network info */
NMX_PROTO_X(NETMON_OTHER, netmon_other)     /* "netmon"         other special records */
NMX_PROTO_X(AH, ah)                /* "ah"       IP Authentication Header (after IPv4) */
NMX_PROTO_X(GRE, gre)              /* "gre"      Generic Routing Encapsulation (IP protocol 47) */
NMX_PROTO_X(VXLAN, vxlan)          /* "vxlan"    VXLAN (UDP 4789) */
NMX_PROTO_X(MPLS, mpls)            /* "mpls"     MPLS label stack entry (one layer per label) */
NMX_PROTO_X(PWACH, pwach)          /* "pwach"    PW Associated Channel Header (after MPLS) */
NMX_PROTO_X(PPP, ppp)              /* "ppp"      PPP protocol field (in PPPoE sessions, L2TP) */
NMX_PROTO_X(PPPOE, pppoe)          /* "pppoe"    the PPPoE header's fields (never a layer itself) */
NMX_PROTO_X(PPPOED, pppoed)        /* "pppoed"   PPPoE discovery (EtherType 0x8863) */
NMX_PROTO_X(PPPOES, pppoes)        /* "pppoes"   PPPoE session (EtherType 0x8864) */
NMX_PROTO_X(IEEE8021AD, ieee8021ad) /* "ieee8021ad" 802.1ad S-tag (EtherType 0x88a8) */
NMX_PROTO_X(IEEE8021AH, ieee8021ah) /* "ieee8021ah" 802.1ah I-tag (EtherType 0x88e7) */
NMX_PROTO_X(VNTAG, vntag)          /* "vntag"    Cisco VN-Tag (EtherType 0x8926) */
NMX_PROTO_X(GENEVE, geneve)        /* "geneve"   Geneve (UDP 6081) */
NMX_PROTO_X(L2TP, l2tp)            /* "l2tp"     L2TP v2 and v3 over UDP 1701 */
NMX_PROTO_X(ERSPAN, erspan)        /* "erspan"   Cisco ERSPAN types I-III (in GRE, 0x88be and 0x22eb) */
NMX_PROTO_X(NFLOG, nflog)          /* "nflog"    Linux netfilter NFLOG link type (239) */
NMX_PROTO_X(AYIYA, ayiya)          /* "ayiya"    Anything In Anything (UDP 5072) */
NMX_PROTO_X(ETHERIP, etherip)      /* "etherip"  Ethernet within IP (IP protocol 97) */
NMX_PROTO_X(SOCKS, socks)          /* "socks"    SOCKS on TCP 1080 (the layer only: tshark's fields need the conversation) */
NMX_PROTO_X(NTP, ntp)              /* "ntp"      Network Time Protocol (UDP and TCP 123) */
NMX_PROTO_X(SYSLOG, syslog)        /* "syslog"   syslog messages (UDP 514) */
NMX_PROTO_X(RADIUS, radius)        /* "radius"   RADIUS (UDP 1812, 1813, 1645, 1646, 1700, 3799) */
NMX_PROTO_X(TFTP, tftp)            /* "tftp"     TFTP (UDP 69; requests elsewhere by heuristic) */
NMX_PROTO_X(DHCPV6, dhcpv6)        /* "dhcpv6"   DHCPv6 (UDP 546, 547) */
NMX_PROTO_X(VRRP, vrrp)            /* "vrrp"     Virtual Router Redundancy Protocol (IP protocol 112) */
NMX_PROTO_X(OSPF, ospf)            /* "ospf"     Open Shortest Path First (IP protocol 89) */
NMX_PROTO_X(RIP, rip)              /* "rip"      Routing Information Protocol (UDP 520) */
NMX_PROTO_X(STP, stp)              /* "stp"      Spanning Tree BPDUs (LLC SAP 0x42) */
NMX_PROTO_X(LLDP, lldp)            /* "lldp"     Link Layer Discovery Protocol (EtherType 0x88cc) */
NMX_PROTO_X(CDP, cdp)              /* "cdp"      Cisco Discovery Protocol (SNAP, Cisco PID 0x2000) */
NMX_PROTO_X(SNMP, snmp)            /* "snmp"     SNMP versions 1 and 2c (UDP 161, 162) */
NMX_PROTO_X(TR, tr)                /* "tr"       IEEE 802.5 Token Ring (link type 6) */
NMX_PROTO_X(TRMAC, trmac)          /* "trmac"    Token Ring MAC frames */
NMX_PROTO_X(IPX, ipx)              /* "ipx"      Novell IPX (EtherType 0x8137, LLC SAP 0xE0, raw 802.3) */
NMX_PROTO_X(SPX, spx)              /* "spx"      Novell SPX (IPX packet type 5) */
NMX_PROTO_X(CFP, cfp)              /* "cfp"      Cisco FabricPath (Ethernet type 0x8903, the whole frame) */
NMX_PROTO_X(BGP, bgp)              /* "bgp"      Border Gateway Protocol (TCP 179) */
NMX_PROTO_X(FTP, ftp)              /* "ftp"      FTP control connection (TCP 21) */
NMX_PROTO_X(FTP_DATA, ftp_data)    /* "ftp-data" FTP data (TCP 20, and the connections PORT/PASV/EPRT/EPSV announce) */
NMX_PROTO_X(SMTP, smtp)            /* "smtp"     Simple Mail Transfer Protocol (TCP 25, 587) */
NMX_PROTO_X(POP, pop)              /* "pop"      Post Office Protocol 3 (TCP 110) */
NMX_PROTO_X(IMAP, imap)            /* "imap"     Internet Message Access Protocol (TCP 143) */
NMX_PROTO_X(SSH, ssh)              /* "ssh"      SSH identification strings and packets (TCP 22, 29418) */
NMX_PROTO_X(TELNET, telnet)        /* "telnet"   Telnet data and option negotiation (TCP 23) */
NMX_PROTO_X(KERBEROS, kerberos)    /* "kerberos" Kerberos V5 (UDP and TCP 88) */
NMX_PROTO_X(LDAP, ldap)            /* "ldap"     LDAP (TCP 389) */
NMX_PROTO_X(CLDAP, cldap)          /* "cldap"    connectionless LDAP (UDP 389; ldap.* fields) */
NMX_PROTO_X(NTLMSSP, ntlmssp)      /* "ntlmssp"  NTLMSSP in SMB and SMB2 security blobs (never a layer) */
NMX_PROTO_X(NETBIOS, netbios)      /* "netbios"  NetBIOS Frames protocol, NetBEUI (LLC SAP 0xF0) */
NMX_PROTO_X(DCERPC, dcerpc)        /* "dcerpc"   DCE/RPC connection-oriented PDUs (TCP heuristic) */
NMX_PROTO_X(EPM, epm)              /* "epm"      DCE/RPC endpoint mapper (connectionless calls; opnum only) */
NMX_PROTO_X(EPM4, epm4)            /* "epm4"     DCE/RPC endpoint mapper version 4 (epm.opnum in its layers) */
NMX_PROTO_X(SIP, sip)              /* "sip"      Session Initiation Protocol (UDP and TCP 5060, heuristic) */
NMX_PROTO_X(SDP, sdp)              /* "sdp"      Session Description Protocol (in SIP bodies) */
NMX_PROTO_X(RTP, rtp)              /* "rtp"      Real-time Transport Protocol (learned from SDP) */
NMX_PROTO_X(RTCP, rtcp)            /* "rtcp"     RTP Control Protocol (learned from SDP, heuristic) */
NMX_PROTO_X(HTTP2, http2)          /* "http2"    HTTP/2 in cleartext: the preface on an HTTP port, then the connection */
NMX_PROTO_X(QUIC, quic)            /* "quic"     QUIC packet headers (UDP heuristic; nothing decrypted) */
NMX_PROTO_X(NCP, ncp)              /* "ncp"      NetWare Core Protocol header (IPX socket 0x0451, TCP 524) */
NMX_PROTO_X(DRSUAPI, drsuapi)      /* "drsuapi"  DCE/RPC interfaces (dis_dcerpc_if.c): layer and opnum of a call */
NMX_PROTO_X(SAMR, samr)            /* "samr" */
NMX_PROTO_X(LSARPC, lsarpc)        /* "lsarpc" */
NMX_PROTO_X(RPC_NETLOGON, rpc_netlogon) /* "rpc_netlogon" (netlogon.opnum) */
NMX_PROTO_X(SRVSVC, srvsvc)        /* "srvsvc" */
NMX_PROTO_X(WKSSVC, wkssvc)        /* "wkssvc" */
NMX_PROTO_X(SPOOLSS, spoolss)      /* "spoolss" */
NMX_PROTO_X(WINREG, winreg)        /* "winreg" */
NMX_PROTO_X(SVCCTL, svcctl)        /* "svcctl" */
NMX_PROTO_X(PNP, pnp)              /* "pnp" */
NMX_PROTO_X(RPC_BROWSER, rpc_browser) /* "rpc_browser" */
NMX_PROTO_X(MESSENGER, messenger)  /* "messenger" */
NMX_PROTO_X(DSSETUP, dssetup)      /* "dssetup" */
NMX_PROTO_X(ISYSTEMACTIVATOR, isystemactivator) /* "isystemactivator" */
NMX_PROTO_X(REMACT, remact)        /* "remact" */
NMX_PROTO_X(REMUNK, remunk)        /* "remunk"   IRemUnknown */
NMX_PROTO_X(REMUNK2, remunk2)      /* "remunk2"  IRemUnknown2 (remunk.opnum in its layers) */
