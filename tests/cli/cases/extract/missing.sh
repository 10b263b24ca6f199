raiiaf extract nothing.raiiaf -o out
