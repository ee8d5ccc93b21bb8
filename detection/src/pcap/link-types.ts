/** The pcap/pcapng link types (tcpdump.org LINKTYPE_* values) the readers in detection/ understand. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  IEEE802_11: 105,
  LINUX_SLL: 113,
  IEEE802_11_RADIOTAP: 127,
  BLUETOOTH_HCI_H4: 187,
  BLUETOOTH_HCI_H4_WITH_PHDR: 201,
  IPV4: 228,
  IPV6: 229,
  BLUETOOTH_LE_LL: 251,
  BLUETOOTH_LE_LL_WITH_PHDR: 256,
  NORDIC_BLE: 272,
} as const;

export function linkTypeName(linkType: number): string {
  for (const [name, value] of Object.entries(LINKTYPE)) if (value === linkType) return name;
  return `LINKTYPE ${linkType}`;
}
