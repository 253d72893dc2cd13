/** Column type for timestamps: ISO-8601 UTC text sorts correctly and reads the same on both databases. */
export const ts = 'text';
