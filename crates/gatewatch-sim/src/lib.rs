//! gatewatch-sim: Simulators of the five gateways on loopback: the demo default, test peers, benchmark load.
