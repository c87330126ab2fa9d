declare module 'elfy' {
  interface ElfyHeader { [k: string]: unknown }
  interface ElfyProgram {
    type: string | number;
    offset: number; vaddr: number; filesz: number; memsz: number;
    flags: { r?: boolean; w?: boolean; x?: boolean };
  }
  class Parser {
    parseHeader(buf: Buffer): ElfyHeader;
    parsePrograms(buf: Buffer, header: ElfyHeader): ElfyProgram[];
  }
  const elfy: { Parser: typeof Parser };
  export default elfy;
}
