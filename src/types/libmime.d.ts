// libmime 5 ships no declarations; Rampart uses one function of it (auth/authenticate.ts).
declare module 'libmime' {
  const libmime: { foldLines(str: string, lineLength?: number, afterSpace?: boolean): string };
  export default libmime;
}
