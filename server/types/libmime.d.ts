// libmime ships no types; Parley only touches the class whose flowed decoder it replaces (channels/email/flowed.ts).
declare module 'libmime' {
  const libmime: { Libmime: { prototype: { decodeFlowed(str: string, delSp?: boolean): string } } };
  export default libmime;
}
