/*
 * nmerr_list.h - the NMERR codes of spec section 5 as an X-macro list:
 * X(code, name, description).  error.c builds its name and text tables
 * from it; the codes themselves are defined in <netmon.h>.
 */
#define NMX_NMERR_LIST(X) \
    X(0, NMERR_SUCCESS, "success") \
    X(1, NMERR_MEMORY_MAPPED_FILE_ERROR, "creating a memory-mapped file failed") \
    X(2, NMERR_INVALID_HFILTER, "filter handle not valid") \
    X(3, NMERR_CAPTURING, "a capture is already running") \
    X(4, NMERR_NOT_CAPTURING, "no capture has been started") \
    X(5, NMERR_NO_MORE_FRAMES, "no frames are available") \
    X(6, NMERR_BUFFER_TOO_SMALL, "buffer too small for the operation") \
    X(7, NMERR_FRAME_NOT_RECOGNIZED, "no protocol recognised the frame") \
    X(8, NMERR_FILE_ALREADY_EXISTS, "file exists already") \
    X(9, NMERR_DRIVER_NOT_FOUND, "required driver missing / not loaded") \
    X(10, NMERR_ADDRESS_ALREADY_EXISTS, "address already in the database") \
    X(11, NMERR_INVALID_HFRAME, "frame handle not valid") \
    X(12, NMERR_INVALID_HPROTOCOL, "protocol handle not valid") \
    X(13, NMERR_INVALID_HPROPERTY, "property handle not valid") \
    X(14, NMERR_LOCKED, "object is locked") \
    X(15, NMERR_STACK_EMPTY, "pop from an empty stack") \
    X(16, NMERR_STACK_OVERFLOW, "push onto a full stack") \
    X(17, NMERR_TOO_MANY_PROTOCOLS, "too many protocols active") \
    X(18, NMERR_FILE_NOT_FOUND, "file not found") \
    X(19, NMERR_OUT_OF_MEMORY, "no memory") \
    X(20, NMERR_CAPTURE_PAUSED, "capture already paused") \
    X(21, NMERR_NO_BUFFERS, "no buffers present/available") \
    X(22, NMERR_BUFFERS_ALREADY_EXIST, "buffers already present") \
    X(23, NMERR_NOT_LOCKED, "object not locked") \
    X(24, NMERR_OUT_OF_RANGE, "integer value out of range (we use it for \"no such/next frame\")") \
    X(25, NMERR_LOCK_NESTING_TOO_DEEP, "object locked too many times") \
    X(26, NMERR_LOAD_PARSER_FAILED, "a parser failed to load") \
    X(27, NMERR_UNLOAD_PARSER_FAILED, "a parser failed to unload") \
    X(28, NMERR_INVALID_HADDRESSDB, "address-database handle not valid") \
    X(29, NMERR_ADDRESS_NOT_FOUND, "MAC address not in the database") \
    X(30, NMERR_NETWORK_NOT_PRESENT, "no network software in the system") \
    X(31, NMERR_NO_PROPERTY_DATABASE, "protocol has no property database") \
    X(32, NMERR_PROPERTY_NOT_FOUND, "property not in the database") \
    X(33, NMERR_INVALID_HPROPERTYDB, "property-database handle not valid") \
    X(34, NMERR_PROTOCOL_NOT_ENABLED, "protocol not enabled") \
    X(35, NMERR_PROTOCOL_NOT_FOUND, "protocol (DLL) not found / not present in frame") \
    X(36, NMERR_INVALID_PARSER_DLL, "parser DLL not valid") \
    X(37, NMERR_NO_ATTACHED_PROPERTIES, "no properties attached") \
    X(38, NMERR_NO_FRAMES, "buffer holds no frames") \
    X(39, NMERR_INVALID_FILE_FORMAT, "capture file format not valid") \
    X(40, NMERR_COULD_NOT_CREATE_TEMPFILE, "temporary file could not be created") \
    X(41, NMERR_OUT_OF_DOS_MEMORY, "not enough MS-DOS memory") \
    X(42, NMERR_NO_PROTOCOLS_ENABLED, "no protocol is enabled") \
    X(46, NMERR_UNKNOWN_MACTYPE, "MAC type invalid or unsupported") \
    X(47, NMERR_ROUTING_INFO_NOT_PRESENT, "MAC frame carries no routing information") \
    X(48, NMERR_INVALID_HNETWORK, "network handle not valid") \
    X(49, NMERR_NETWORK_ALREADY_OPENED, "network already open") \
    X(50, NMERR_NETWORK_NOT_OPENED, "network not open") \
    X(51, NMERR_FRAME_NOT_FOUND, "frame not in the buffer") \
    X(53, NMERR_NO_HANDLES, "no handles left") \
    X(54, NMERR_INVALID_NETWORK_ID, "network id not valid") \
    X(55, NMERR_INVALID_HCAPTURE, "capture handle not valid") \
    X(56, NMERR_PROTOCOL_ALREADY_ENABLED, "protocol already enabled") \
    X(57, NMERR_FILTER_INVALID_EXPRESSION, "filter expression not valid") \
    X(58, NMERR_TRANSMIT_ERROR, "transmit failed") \
    X(59, NMERR_INVALID_HBUFFER, "buffer handle not valid") \
    X(60, NMERR_INVALID_DATA, "data unknown or not valid") \
    X(61, NMERR_MSDOS_DRIVER_NOT_LOADED, "MS-DOS/NDIS 2.0 driver not loaded") \
    X(62, NMERR_WINDOWS_DRIVER_NOT_LOADED, "Windows VxD/NDIS 3.0 driver not loaded") \
    X(63, NMERR_MSDOS_DRIVER_INIT_FAILURE, "MS-DOS/NDIS 2.0 driver initialisation failed") \
    X(64, NMERR_WINDOWS_DRIVER_INIT_FAILURE, "Windows/NDIS 3.0 driver initialisation failed") \
    X(65, NMERR_NETWORK_BUSY, "network driver busy") \
    X(66, NMERR_CAPTURE_NOT_PAUSED, "capture is not paused") \
    X(67, NMERR_INVALID_PACKET_LENGTH, "frame/packet length not valid") \
    X(69, NMERR_INTERNAL_EXCEPTION, "an internal exception occurred") \
    X(70, NMERR_PROMISCUOUS_MODE_NOT_SUPPORTED, "MAC driver cannot do promiscuous mode") \
    X(71, NMERR_MAC_DRIVER_OPEN_FAILURE, "MAC driver failed to open") \
    X(72, NMERR_RUNAWAY_PROTOCOL, "a protocol parsed past the end of the frame") \
    X(73, NMERR_PENDING, "asynchronous operation still pending") \
    X(74, NMERR_ACCESS_DENIED, "access denied") \
    X(75, NMERR_INVALID_HPASSWORD, "password handle not valid") \
    X(76, NMERR_INVALID_PARAMETER, "bad parameter") \
    X(77, NMERR_FILE_READ_ERROR, "file read failed") \
    X(78, NMERR_FILE_WRITE_ERROR, "file write failed") \
    X(79, NMERR_PROTOCOL_NOT_REGISTERED, "protocol not registered") \
    X(80, NMERR_IP_ADDRESS_NOT_FOUND, "frame has no IP address") \
    X(81, NMERR_TRANSMIT_CANCELLED, "transmit request cancelled") \
    X(82, NMERR_LOCKED_FRAMES, "operation impossible while frames are locked") \
    X(83, NMERR_NO_TRANSMITS_PENDING, "cancel requested but nothing was being transmitted") \
    X(84, NMERR_PATH_NOT_FOUND, "path not found") \
    X(85, NMERR_WINDOWS_ERROR, "an OS error occurred") \
    X(86, NMERR_NO_FRAME_NUMBER, "frame handle has no frame number") \
    X(87, NMERR_FRAME_HAS_NO_CAPTURE, "frame belongs to no capture") \
    X(88, NMERR_FRAME_ALREADY_HAS_CAPTURE, "frame already belongs to a capture") \
    X(89, NMERR_NAL_IS_NOT_REMOTE, "NAL cannot be remoted") \
    X(90, NMERR_NOT_SUPPORTED, "API not supported") \
    X(91, NMERR_DISCARD_FRAME, "(filtered SaveCapture only) drop the current frame") \
    X(92, NMERR_CANCEL_SAVE_CAPTURE, "(filtered SaveCapture only) cancel the save") \
    X(93, NMERR_LOST_CONNECTION, "connection to the remote machine lost") \
    X(94, NMERR_INVALID_MEDIA_TYPE, "media/MAC type not valid") \
    X(95, NMERR_AGENT_IN_USE, "remote agent busy") \
    X(96, NMERR_TIMEOUT, "request timed out") \
    X(97, NMERR_DISCONNECTED, "remote agent disconnected") \
    X(98, NMERR_SETTIMER_FAILED, "timer creation failed") \
    X(99, NMERR_NETWORK_ERROR, "network error") \
    X(100, NMERR_INVALID_FRAMESPROC, "frame callback procedure not valid") \
    X(101, NMERR_UNKNOWN_CAPTURETYPE, "capture type unknown") \
    X(102, NMERR_NOT_CONNECTED, "NPP not connected to a network") \
    X(103, NMERR_ALREADY_CONNECTED, "NPP already connected") \
    X(104, NMERR_INVALID_REGISTRY_CONFIGURATION, "registry tag names no known configuration") \
    X(105, NMERR_DELAYED, "NPP configured for delayed capture") \
    X(106, NMERR_NOT_DELAYED, "NPP not configured for delayed capture") \
    X(107, NMERR_REALTIME, "NPP configured for real-time capture") \
    X(108, NMERR_NOT_REALTIME, "NPP not configured for real-time capture") \
    X(109, NMERR_STATS_ONLY, "NPP configured for statistics only") \
    X(110, NMERR_NOT_STATS_ONLY, "NPP not configured for statistics only") \
    X(111, NMERR_TRANSMIT, "NPP configured for transmitting") \
    X(112, NMERR_NOT_TRANSMIT, "NPP not configured for transmitting") \
    X(113, NMERR_TRANSMITTING, "NPP is transmitting") \
    X(114, NMERR_DISK_NOT_LOCAL_FIXED, "capture disk is not a local fixed disk") \
    X(115, NMERR_COULD_NOT_CREATE_DIRECTORY, "default capture directory could not be created") \
    X(116, NMERR_NO_DEFAULT_CAPTURE_DIRECTORY, "default capture directory not configured (registry CapturePath)") \
    X(117, NMERR_UPLEVEL_CAPTURE_FILE, "capture file of a newer version than understood") \
    X(118, NMERR_LOAD_EXPERT_FAILED, "an expert failed to load") \
    X(119, NMERR_EXPERT_REPORT_FAILED, "an expert failed to report its information (Register)") \
    X(120, NMERR_REG_OPERATION_FAILED, "registry call failed") \
    X(121, NMERR_NO_DLLS_FOUND, "no DLLs found (header comment is a copy of 120's)") \
    X(122, NMERR_NO_CONVERSATION_STATS, "conversation statistics were not requested") \
    X(123, NMERR_SECURITY_BREACH_CAPTURE_DELETED, "security monitor response received; capture deleted") \
    X(124, NMERR_FRAME_FAILED_FILTER, "the frame does not pass the display filter") \
    X(125, NMERR_EXPERT_TERMINATE, "the host wants the expert to stop") \
    X(126, NMERR_REMOTE_NOT_A_SERVER, "remote machine must be a server") \
    X(127, NMERR_REMOTE_VERSION_OUTOFSYNC, "remote version mismatch (header comment duplicates 126's)") \
    X(128, NMERR_INVALID_EXPERT_GROUP, "expert-group handle not valid") \
    X(129, NMERR_INVALID_EXPERT_NAME, "expert name not found") \
    X(130, NMERR_INVALID_EXPERT_HANDLE, "expert handle not valid (we also use it for bad HEXPERTKEY)") \
    X(131, NMERR_GROUP_NAME_ALREADY_EXISTS, "group name exists") \
    X(132, NMERR_INVALID_GROUP_NAME, "group name not valid") \
    X(133, NMERR_EXPERT_ALREADY_IN_GROUP, "expert already in the group") \
    X(134, NMERR_EXPERT_NOT_IN_GROUP, "expert not in the group, cannot remove") \
    X(135, NMERR_NOT_INITIALIZED, "COM object not initialised") \
    X(136, NMERR_INVALID_GROUP_ROOT, "operation not allowed on the root group") \
    X(137, NMERR_BAD_VERSION, "data-structure version mismatch (we also use it for NMEVENTDATA.Version ≠ 0)") \
    X(138, NMERR_ESP, "NPP configured for ESP capture") \
    X(139, NMERR_NOT_ESP, "NPP not configured for ESP capture") \
    X(1000, NMERR_BLOB_NOT_INITIALIZED, "BLOB not initialised") \
    X(1001, NMERR_INVALID_BLOB, "BLOB not valid") \
    X(1002, NMERR_UPLEVEL_BLOB, "BLOB of a newer version") \
    X(1003, NMERR_BLOB_ENTRY_ALREADY_EXISTS, "BLOB entry exists") \
    X(1004, NMERR_BLOB_ENTRY_DOES_NOT_EXIST, "BLOB entry missing") \
    X(1005, NMERR_AMBIGUOUS_SPECIFIER, "owner/category/tag specifier ambiguous") \
    X(1006, NMERR_BLOB_OWNER_NOT_FOUND, "BLOB owner not found") \
    X(1007, NMERR_BLOB_CATEGORY_NOT_FOUND, "BLOB category not found") \
    X(1008, NMERR_UNKNOWN_CATEGORY, "category unknown") \
    X(1009, NMERR_UNKNOWN_TAG, "tag unknown") \
    X(1010, NMERR_BLOB_CONVERSION_ERROR, "BLOB value conversion failed") \
    X(1011, NMERR_ILLEGAL_TRIGGER, "trigger not valid") \
    X(1012, NMERR_BLOB_STRING_INVALID, "BLOB string not valid") \
    X(1013, NMERR_UNABLE_TO_LOAD_LIBRARY, "library could not be loaded") \
    X(1014, NMERR_UNABLE_TO_GET_PROCADDR, "entry point not found in library") \
    X(1015, NMERR_CLASS_NOT_REGISTERED, "COM class not registered") \
    X(1016, NMERR_INVALID_REMOTE_COMPUTERNAME, "remote computer name not valid") \
    X(1017, NMERR_RPC_REMOTE_FAILURE, "remote procedure call failed") \
    X(3016, NMERR_NO_NPPS, "no network packet providers") \
    X(3017, NMERR_NO_MATCHING_NPPS, "no NPP matches the request") \
    X(3018, NMERR_NO_NPP_SELECTED, "no NPP selected") \
    X(3019, NMERR_NO_INPUT_BLOBS, "no input BLOBs") \
    X(3020, NMERR_NO_NPP_DLLS, "no NPP DLLs") \
    X(3021, NMERR_NO_VALID_NPP_DLLS, "no valid NPP DLLs")
