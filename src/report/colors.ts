// Terminal colours: on only for a TTY, off when NO_COLOR is set (https://no-color.org).
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

export function colorsFor(stream: NodeJS.WriteStream): Colors {
  const noColor = 'NO_COLOR' in process.env && process.env.NO_COLOR !== '';
  return pc.createColors(Boolean(stream.isTTY) && !noColor && process.env.TERM !== 'dumb');
}
