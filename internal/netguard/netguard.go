// Package netguard refuses outbound connections to addresses no Auth0
// tenant or notification endpoint can have: link-local (cloud metadata
// services live at 169.254.169.254 and fd00:ec2::254's link-local kin),
// unspecified and multicast addresses. It judges the address the dialer is
// about to connect to, after DNS, so a name that resolves there (or is
// rebound to it) is refused as the literal is.
package netguard

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// Control is a net.Dialer Control function.
func Control(network, address string, _ syscall.RawConn) error {
	return Check(address)
}

// Check refuses host:port when host is an address outbound calls must not reach.
func Check(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("netguard: %q is not an IP address", host)
	}
	ip = ip.Unmap()
	switch {
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return fmt.Errorf("refused: %s is a link-local address (cloud metadata services live there)", ip)
	case ip.IsUnspecified():
		return fmt.Errorf("refused: %s is the unspecified address", ip)
	case ip.IsMulticast():
		return fmt.Errorf("refused: %s is a multicast address", ip)
	}
	return nil
}
