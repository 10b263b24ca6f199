# golden: mask this machine's environment
raiiaf env
