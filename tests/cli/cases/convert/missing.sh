raiiaf convert nothing.raiiaf out.raiiaf
