// Placeholder until the stage lands; keeps the library non-empty.
