# Every vector extracts to exactly the expected files.
for file in v/*.raiiaf v/*.gen5; do
  name=$(basename "${file%.*}")
  raiiaf extract "$file" -o "$name"
  diff -r "$name" "v/expected/$name" && echo "$name: as expected"
done
