"""The GEN5 layout as the legacy classes see it (one row of raiiaf._flavor.LAYOUTS)."""

from raiiaf._flavor import flavor_of

GEN5 = flavor_of("gen5")
