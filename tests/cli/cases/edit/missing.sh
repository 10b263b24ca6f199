raiiaf edit nothing.raiiaf --prompt x
