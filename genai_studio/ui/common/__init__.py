"""The kit every feature uses: theme, icons, image conversion, guarded slots, questions to the
artist, typed settings, state fields and bindings."""
