"""The embedded local stack (`gluekb up`): emulator, Lambda runtimes, gateway, event sources."""
