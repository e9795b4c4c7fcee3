import { AppError, registerErrorStatus } from '../../errors.ts';

/** An export the importer cannot read: the job fails with this message and nothing is written. */
export class ExportFormatError extends AppError {
  constructor(message: string) {
    super('export_invalid', message);
  }
}

registerErrorStatus('export_invalid', 422);
